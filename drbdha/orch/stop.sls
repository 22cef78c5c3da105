{#- Stop a guest through the cluster (the reference's `crm resource stop`):
      salt-run state.orchestrate drbdha.orch.stop pillar='{"vm": "sesadm"}' #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/orch/pair.jinja" import day2_step with context %}
{{ day2_step("stop", {"vm": salt["pillar.get"]("vm")}) }}
