{#- Run by drbdha.orch.move on one node: move the guest, wait until it runs on
    the target, then remove the cli-prefer constraint the move created. #}
{%- set day2 = salt["pillar.get"]("drbdha_day2", {}) %}
drbdha-day2-move:
  drbdha.guest_moved:
    - name: {{ day2.vm }}
    - to: {{ day2.get("to") or "" }}
    - timeout: 900
