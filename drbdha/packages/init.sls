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

{%- set fencing = salt["drbdha.fencing_plan"](drbdha).packages %}
{%- if fencing %}

{#- what the fencing choice needs: sbd, fence-agents and ipmitool, corosync-qdevice #}
drbdha-packages-fencing:
  pkg.installed:
    - pkgs: {{ fencing | json }}
{%- endif %}

{%- if drbdha.cluster.mode == "crmsh" and drbdha.packages.crmsh_mode %}

{#- what crm cluster init/join need besides crmsh: sshd, csync2 #}
drbdha-packages-crmsh-mode:
  pkg.installed:
    - pkgs: {{ drbdha.packages.crmsh_mode | json }}
{%- endif %}
{%- endif %}
