{#- The ordered two-node rollout (DESIGN.md "Ordering across nodes"):
      salt-run state.orchestrate drbdha.orch.deploy
    Every step waits on a real condition with a timeout; failhard stops the
    rollout at the first failure, with that step's reason. No sleeps. #}
{%- set config = salt["pillar.get"]("drbdha", {}) %}
{%- set nodes = config.get("nodes", {}) | list | sort %}
{%- set first = config.get("first_node") or (nodes | first) %}
{%- set others = nodes | reject("equalto", first) | list %}
{%- set mode = config.get("cluster", {}).get("mode", "native") %}
{%- if nodes | length != 2 %}
drbdha-deploy-pillar:
  test.fail_without_changes:
    - name: "drbdha:nodes must name exactly two minions (found {{ nodes | length }}); see pillar.example"
    - failhard: true
{%- else %}

drbdha-deploy-sync:
  salt.function:
    - name: saltutil.sync_all
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - failhard: true

drbdha-deploy-preflight:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: drbdha.preflight
    - failhard: true

drbdha-deploy-base:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: [drbdha.packages, drbdha.time]
    - failhard: true
{%- if config.get("network", {}).get("manage") %}

drbdha-deploy-network:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: drbdha.network
    - failhard: true
{%- endif %}
{%- if mode == "crmsh" %}

drbdha-deploy-cluster-first:
  salt.state:
    - tgt: {{ first }}
    - sls: drbdha.cluster
    - failhard: true

drbdha-deploy-cluster-others:
  salt.state:
    - tgt: {{ others | json }}
    - tgt_type: list
    - sls: drbdha.cluster
    - failhard: true
{%- else %}

drbdha-deploy-cluster:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: drbdha.cluster
    - failhard: true
{%- endif %}

drbdha-deploy-cluster-members:
  salt.state:
    - tgt: {{ first }}
    - sls: drbdha.cluster.verify
    - failhard: true

drbdha-deploy-drbd:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: drbdha.drbd
    - failhard: true

drbdha-deploy-drbd-first-primary:
  salt.state:
    - tgt: {{ first }}
    - sls: drbdha.drbd.primary
    - failhard: true

drbdha-deploy-vm-first:
  salt.state:
    - tgt: {{ first }}
    - sls: drbdha.vm
    - failhard: true

drbdha-deploy-vm-others:
  salt.state:
    - tgt: {{ others | json }}
    - tgt_type: list
    - sls: drbdha.vm
    - failhard: true

drbdha-deploy-cib:
  salt.state:
    - tgt: {{ first }}
    - sls: drbdha.cib
    - failhard: true

drbdha-deploy-verify:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: drbdha.verify
    - failhard: true
{%- endif %}
