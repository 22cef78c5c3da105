{#- Move a guest to the other node, then clear the move constraint:
      salt-run state.orchestrate drbdha.orch.move pillar='{"vm": "sesadm"}'
    Optional pillar "to": the target node (default: the node not running it). #}
{%- set config = salt["pillar.get"]("drbdha", {}) %}
{%- set vm = salt["pillar.get"]("vm") %}
{%- set nodes = config.get("nodes", {}) | list | sort %}
{%- set first = config.get("first_node") or (nodes | first) %}

drbdha-move-guest:
  salt.state:
    - tgt: {{ first }}
    - sls: drbdha.day2.move
    - pillar:
        drbdha_day2:
          vm: {{ vm | json }}
          to: {{ salt["pillar.get"]("to", "") | json }}
    - timeout: {{ config.get("orchestrate", {}).get("step_timeout", 3600) }}
    - failhard: true
