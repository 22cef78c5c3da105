{#- Start a guest through the cluster:
      salt-run state.orchestrate drbdha.orch.start pillar='{"vm": "sesadm"}' #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/orch/pair.jinja" import day2_step with context %}
{{ day2_step("start", {"vm": salt["pillar.get"]("vm")}) }}
