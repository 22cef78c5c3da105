{#- DRBD (reference steps 4 and 5): configuration built for the running
    DRBD major version and validated with drbdadm dump before it replaces the
    live files; metadata created once (never over existing data); each resource
    up unless Pacemaker manages it; drbd.service disabled (Pacemaker owns DRBD). #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/map.jinja" import drbdha with context %}
{%- set drbd = drbdha.drbd %}
{#- Built in Python (drbdha.drbd_config_files), not from templates: a template
    rendered here is fetched, compiled and rendered again on every apply. The shared
    secret is not in them: the config state fills the placeholder in from the
    pillar key, so the value never travels in state arguments (nor in the job
    cache, the events or the minion's state cache). #}

drbdha-drbd-config:
  drbdadm.config:
    - name: {{ drbd.config_dir }}
    - files: {{ salt["drbdha.drbd_config_files"](drbdha) | json }}
    - secret_pillar_key: drbdha:drbd:shared_secret

{#- Pacemaker starts DRBD; the init script must not (it would also run
    `drbdadm down all` when stopped, so it is only disabled, never stopped). #}
drbdha-drbd-service-disabled:
  systemctl.disabled:
    - name: drbd

{%- for name, res in drbd.resources | dictsort %}
drbdha-drbd-{{ name }}-metadata:
  drbdadm.metadata:
    - name: {{ name }}
    - disk: {{ res.disks[drbdha.this_node] }}
    - require:
      - drbdadm: drbdha-drbd-config

drbdha-drbd-{{ name }}-up:
  drbdadm.up:
    - name: {{ name }}
    - require:
      - drbdadm: drbdha-drbd-{{ name }}-metadata

drbdha-drbd-{{ name }}-adjusted:
  drbdadm.adjusted:
    - name: {{ name }}
    - watch:
      - drbdadm: drbdha-drbd-config
    - require:
      - drbdadm: drbdha-drbd-{{ name }}-up

{#- An apply that finds a resync under way waits for it, with progress
    events, before the cluster and guest concerns look at this node. #}
drbdha-drbd-{{ name }}-resync-finished:
  drbdadm.synced:
    - name: {{ name }}
    - only_running: true
    - timeout: {{ drbd.sync_timeout }}
    - require:
      - drbdadm: drbdha-drbd-{{ name }}-adjusted
{%- endfor %}
