{#- Stop a guest through the cluster (the reference's `crm resource stop`):
      salt-run state.orchestrate drbdha.orch.stop pillar='{"vm": "sesadm"}' #}
{%- set config = salt["pillar.get"]("drbdha", {}) %}
{%- set nodes = config.get("nodes", {}) | list | sort %}
{%- set first = config.get("first_node") or (nodes | first) %}

drbdha-stop-guest:
  salt.state:
    - tgt: {{ first }}
    - sls: drbdha.day2.stop
    - pillar:
        drbdha_day2:
          vm: {{ salt["pillar.get"]("vm") | json }}
    - timeout: {{ config.get("orchestrate", {}).get("step_timeout", 3600) }}
    - failhard: true
