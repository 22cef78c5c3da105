{#- The quorum host (drbdha:cluster:qdevice:qnetd_minion): corosync-qnetd
    with its certificate database, listening where the pillar says. The
    nodes' certificates are issued by salt-run drbdha.qdevice_certificates
    (the rollout does it after this). #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/map.jinja" import drbdha with context %}
{#- the quorum device section with its defaults filled in (the fencing rules' own) #}
{%- set qdevice = salt["drbdha.fencing_plan"](drbdha).quorum.device %}
{%- set listen = ["-p", qdevice.port | string] %}
{%- if qdevice.get("qnetd_listen") %}
{%-   set listen = ["-l", qdevice.qnetd_listen] + listen %}
{%- endif %}

drbdha-qnetd-package:
  pkg.installed:
    - pkgs: {{ drbdha.packages.qnetd | json }}
    # the qdevice module loads only where corosync-qnetd-certutil is installed
    - reload_modules: true

drbdha-qnetd-options:
  file.managed:
    - name: {{ drbdha.cluster.qnetd_options_file }}
    - contents: |
        # Managed by Salt (drbdha): where corosync-qnetd listens for the nodes' qdevices.
        COROSYNC_QNETD_OPTIONS="{{ listen | join(" ") }}"
    - mode: "0644"
    - require:
      - pkg: drbdha-qnetd-package

drbdha-qnetd-certificates:
  qdevice.qnetd_initialized:
    - require:
      - pkg: drbdha-qnetd-package

drbdha-qnetd-service:
  systemctl.running:
    - name: corosync-qnetd
    - enable: true
    - require:
      - qdevice: drbdha-qnetd-certificates
    - watch:
      - file: drbdha-qnetd-options
