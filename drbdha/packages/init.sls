{#- Software of the reference procedure, step 1: KVM, the HA stack and DRBD. #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/map.jinja" import drbdha with context %}

{%- if drbdha.packages.install %}
{%- if drbdha.packages.patterns %}
drbdha-packages-patterns:
  pkg.installed:
    - pkgs: {{ drbdha.packages.patterns | json }}
    - includes: [pattern]
{%- endif %}

drbdha-packages:
  pkg.installed:
    - pkgs: {{ drbdha.packages.names | json }}
{%- endif %}
