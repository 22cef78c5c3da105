{#- Run by drbdha.orch.splitbrain on each node, the discarded node first:
    end the split brain of one resource, giving up the named node's writes. #}
{%- set day2 = salt["pillar.get"]("drbdha_day2", {}) %}
drbdha-day2-split-brain-{{ day2.resource }}:
  drbdadm.split_brain_resolved:
    - name: {{ day2.resource }}
    - discard: {{ day2.discard }}
