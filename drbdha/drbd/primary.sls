{#- The first Primary of each new resource, on the first node (reference step
    4: `new-current-uuid --clear-bitmap` only for declared-new devices, else
    `primary --force` and the initial sync, waited for with progress). Does
    nothing once a resource holds data. The orchestration runs this on the
    first node after drbdha.drbd has run on both. #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/map.jinja" import drbdha with context %}

{%- if drbdha.is_first_node %}
{%- for name, res in drbdha.drbd.resources | dictsort %}
drbdha-drbd-{{ name }}-initial-primary:
  drbdadm.initial_primary:
    - name: {{ name }}
    - new_devices: {{ res.get("new_devices", False) }}

drbdha-drbd-{{ name }}-synced:
  drbdadm.synced:
    - name: {{ name }}
    - timeout: {{ drbdha.drbd.sync_timeout }}
    - require:
      - drbdadm: drbdha-drbd-{{ name }}-initial-primary
{%- endfor %}
{%- endif %}
