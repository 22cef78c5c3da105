{#- Move a guest to the other node, then clear the move constraint:
      salt-run state.orchestrate drbdha.orch.move pillar='{"vm": "sesadm"}'
    Optional pillar "to": the target node (default: the node not running it). #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/orch/pair.jinja" import day2_step with context %}
{{ day2_step("move", {"vm": salt["pillar.get"]("vm"), "to": salt["pillar.get"]("to", "")}) }}
