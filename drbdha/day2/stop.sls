{%- set day2 = salt["pillar.get"]("drbdha_day2", {}) %}
drbdha-day2-stop:
  drbdha.guest_running:
    - name: {{ day2.vm }}
    - running: false
    - timeout: 900
