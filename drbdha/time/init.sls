{#- Time sync (reference step 3): chrony with the pillar's servers. #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/map.jinja" import drbdha with context %}

drbdha-time-chrony-package:
  pkg.installed:
    - name: chrony

{%- if drbdha.time.servers %}
drbdha-time-chrony-config:
  file.managed:
    - name: {{ drbdha.time.config }}
    - source: salt://{{ tplroot }}/files/time/chrony.conf.jinja
    - template: jinja
    - context:
        servers: {{ drbdha.time.servers | json }}
    - mode: "0644"
    - require:
      - pkg: drbdha-time-chrony-package
{%- endif %}

drbdha-time-chrony-service:
  systemctl.running:
    - name: {{ drbdha.time.service }}
    - enable: true
{%- if drbdha.time.servers %}
    - watch:
      - file: drbdha-time-chrony-config
{%- endif %}
