{%- set day2 = salt["pillar.get"]("drbdha_day2", {}) %}
drbdha-day2-start:
  drbdha.guest_running:
    - name: {{ day2.vm }}
    - running: true
    - timeout: 900
