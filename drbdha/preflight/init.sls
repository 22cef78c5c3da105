{#- Checks before anything is changed: the pillar is valid (map.jinja raises
    otherwise, naming the key), this minion is one of the nodes, its hostname is
    its node name, the DRBD kernel driver loads and the backing devices exist. #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/map.jinja" import drbdha with context %}

{%- if grains.get("nodename") != drbdha.this_node %}
drbdha-preflight-hostname-matches:
  test.fail_without_changes:
    - name: >-
        This node's hostname is {{ grains.get("nodename") }} but its minion id (its
        cluster and DRBD node name) is {{ drbdha.this_node }}: set the hostname to
        {{ drbdha.this_node }} (drbdha:network:manage does it) and apply again.
{%- endif %}

drbdha-preflight-drbd-driver:
  kmod.present:
    - name: drbd
    - persist: false

{%- for name, res in drbdha.drbd.resources | dictsort %}
drbdha-preflight-{{ name }}-backing-device:
  file.exists:
    - name: {{ res.disks[drbdha.this_node] }}
{%- endfor %}
