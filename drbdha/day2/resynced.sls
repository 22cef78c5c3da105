{#- Run by drbdha.orch.splitbrain: wait, with progress, until the resource is
    UpToDate on both nodes again. #}
{%- set day2 = salt["pillar.get"]("drbdha_day2", {}) %}
drbdha-day2-resynced-{{ day2.resource }}:
  drbdadm.synced:
    - name: {{ day2.resource }}
    - timeout: {{ day2.get("timeout", 86400) }}
