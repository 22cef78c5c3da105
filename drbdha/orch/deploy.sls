{#- The ordered two-node rollout, one node after the other where the tools need it:
      salt-run state.orchestrate drbdha.orch.deploy
    Every step waits on a real condition with a timeout; failhard stops the
    rollout at the first failure, with that step's reason. No sleeps. #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/orch/pair.jinja" import config, pair, nodes, first, step_timeout, refusal with context %}
{%- if pair.problems %}
{{ refusal("deploy") }}
{%- else %}
{%- set others = nodes | reject("equalto", first) | list %}
{%- set mode = config.cluster.mode %}
{%- set qdevice = config.cluster.get("qdevice") or {} %}
{#- The quorum host runs the formula's modules too (drbdha.qnetd). #}
{%- set synced = nodes + ([qdevice.qnetd_minion] if qdevice.get("qnetd_minion") else []) %}

drbdha-deploy-sync:
  salt.function:
    - name: saltutil.sync_all
    - tgt: {{ synced | json }}
    - tgt_type: list
    - timeout: {{ step_timeout }}
    - failhard: true

drbdha-deploy-sync-master:
  salt.runner:
    - name: saltutil.sync_all
    - failhard: true

{#- Both nodes' checks and the pair's (equal device sizes, clock skew): fails,
    listing what to fix, before anything is changed. #}
drbdha-deploy-preflight:
  salt.runner:
    - name: drbdha.preflight
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - timeout: {{ step_timeout }}
    - failhard: true

drbdha-deploy-base:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: [drbdha.packages, drbdha.time]
    - timeout: {{ step_timeout }}
    - failhard: true
{%- if config.get("network", {}).get("manage") %}

drbdha-deploy-network:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: drbdha.network
    - timeout: {{ step_timeout }}
    - failhard: true
{%- endif %}
{%- if qdevice %}
{%-   if qdevice.get("qnetd_minion") %}

{#- The quorum host first: corosync-qnetd and its CA. #}
drbdha-deploy-qnetd:
  salt.state:
    - tgt: {{ qdevice.qnetd_minion }}
    - sls: drbdha.qnetd
    - timeout: {{ step_timeout }}
    - failhard: true
{%-   endif %}

{#- Each node's own certificate from the quorum host's CA, carried by the
    master (no ssh); corosync-qdevice needs it before the cluster starts. #}
drbdha-deploy-qdevice-certificates:
  salt.runner:
    - name: drbdha.qdevice_certificates
    - timeout: {{ step_timeout }}
    - failhard: true
{%- endif %}
{%- if mode == "crmsh" %}

drbdha-deploy-cluster-first:
  salt.state:
    - tgt: {{ first }}
    - sls: drbdha.cluster
    - timeout: {{ step_timeout }}
    - failhard: true

drbdha-deploy-cluster-others:
  salt.state:
    - tgt: {{ others | json }}
    - tgt_type: list
    - sls: drbdha.cluster
    - timeout: {{ step_timeout }}
    - failhard: true
{%-   if qdevice %}

{#- The first node adds the quorum device to corosync.conf only once the
    others have joined (crm cluster join would fetch its certificates over ssh). #}
drbdha-deploy-cluster-first-quorum:
  salt.state:
    - tgt: {{ first }}
    - sls: drbdha.cluster
    - timeout: {{ step_timeout }}
    - failhard: true
{%-   endif %}
{%- else %}

drbdha-deploy-cluster:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: drbdha.cluster
    - timeout: {{ step_timeout }}
    - failhard: true
{%- endif %}

drbdha-deploy-cluster-members:
  salt.state:
    - tgt: {{ first }}
    - sls: drbdha.cluster.verify
    - timeout: {{ step_timeout }}
    - failhard: true

drbdha-deploy-drbd:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: drbdha.drbd
    - timeout: {{ step_timeout }}
    - failhard: true

drbdha-deploy-drbd-first-primary:
  salt.state:
    - tgt: {{ first }}
    - sls: drbdha.drbd.primary
    - timeout: {{ step_timeout }}
    - failhard: true

drbdha-deploy-vm-first:
  salt.state:
    - tgt: {{ first }}
    - sls: drbdha.vm
    - timeout: {{ step_timeout }}
    - failhard: true

drbdha-deploy-vm-others:
  salt.state:
    - tgt: {{ others | json }}
    - tgt_type: list
    - sls: drbdha.vm
    - timeout: {{ step_timeout }}
    - failhard: true

drbdha-deploy-cib:
  salt.state:
    - tgt: {{ first }}
    - sls: drbdha.cib
    - timeout: {{ step_timeout }}
    - failhard: true

drbdha-deploy-verify:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: drbdha.verify
    - timeout: {{ step_timeout }}
    - failhard: true
{%- endif %}
