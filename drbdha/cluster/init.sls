{#- The Pacemaker cluster (reference step 3). native mode: corosync.conf and
    the authkey written here, services enabled and started. crmsh mode: crm
    cluster init on the first node, crm cluster join on the other. Both set the
    hacluster password from pillar. Membership is verified by the orchestration
    (drbdha.cluster_members) once both nodes run. #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/map.jinja" import drbdha with context %}
{%- set cluster = drbdha.cluster %}
{%- set fencing = salt["drbdha.fencing_plan"](drbdha) %}

drbdha-cluster-hacluster-password:
  drbdha.user_password:
    - name: hacluster
    - pillar_key: drbdha:cluster:hacluster_password

{%- if fencing.sbd %}

{#- Diskless SBD: the watchdog driver loaded now and at boot, sbd's settings,
    and sbd enabled so that it starts with corosync (never beside a running
    cluster: Pacemaker learns at its own start that sbd runs). #}
drbdha-cluster-watchdog-at-boot:
  file.managed:
    - name: /etc/modules-load.d/drbdha-watchdog.conf
    - contents: |
        # Managed by Salt (drbdha): the watchdog sbd feeds.
        {{ fencing.sbd.module }}
    - mode: "0644"

drbdha-cluster-watchdog:
  drbdha.watchdog:
    - name: {{ fencing.sbd.device }}
    - module: {{ fencing.sbd.module }}
    - software: {{ fencing.sbd.software }}

drbdha-cluster-sbd-config:
  file.managed:
    - name: {{ cluster.sbd_config_file }}
    - contents: {{ fencing.sbd.config | json }}
    - mode: "0644"

drbdha-cluster-sbd-enabled:
  systemctl.enabled:
    - name: sbd
    - require:
      - drbdha: drbdha-cluster-watchdog
      - file: drbdha-cluster-sbd-config
{%- endif %}
{%- for node, secret in fencing.ipmi_secrets | dictsort %}

{#- The BMC password of {{ node }}, for the fence agent's password script. #}
drbdha-cluster-fence-secret-{{ node }}:
  drbdha.secret_file:
    - name: {{ secret.path }}
    - pillar_key: {{ secret.pillar_key }}
    - mode: "0600"
{%- endfor %}

{%- if cluster.mode == "native" %}
drbdha-cluster-corosync-conf:
  file.managed:
    - name: /etc/corosync/corosync.conf
    - source: salt://{{ tplroot }}/files/cluster/corosync.conf.jinja
    - template: jinja
    - context:
        {#- only what the template needs: the secrets stay out of state data #}
        cluster: {{ {"name": cluster.name, "token": cluster.token} | json }}
        nodes: {{ drbdha.nodes | json }}
        quorum_section: {{ fencing.quorum_section | json }}
    - user: root
    - group: root
    - mode: "0644"
    - makedirs: true

drbdha-cluster-authkey:
  drbdha.secret_file:
    - name: /etc/corosync/authkey
    - pillar_key: drbdha:cluster:authkey
    - encoding: base64
    - mode: "0400"

drbdha-cluster-corosync-service:
  systemctl.running:
    - name: corosync
    - enable: true
    - require:
      - file: drbdha-cluster-corosync-conf
      - drbdha: drbdha-cluster-authkey
{%- if fencing.sbd %}
      - systemctl: drbdha-cluster-sbd-enabled
{%- endif %}

{#- A changed corosync.conf is reloaded without a restart; a new authkey
    needs a restart, which the operator schedules (it drops membership). #}
drbdha-cluster-corosync-reload:
  module.run:
    - crmsh.corosync_reload: []
    - onchanges:
      - file: drbdha-cluster-corosync-conf
    - require:
      - systemctl: drbdha-cluster-corosync-service

drbdha-cluster-pacemaker-service:
  systemctl.running:
    - name: pacemaker
    - enable: true
    - require:
      - systemctl: drbdha-cluster-corosync-service
{%- else %}
{%-   if cluster.hacluster_ssh_dir %}

{#- crm cluster init makes an ssh key for hacluster in its home, which Debian
    leaves to root (pacemakerd takes it over only once it has run). #}
drbdha-cluster-hacluster-ssh-dir:
  file.directory:
    - name: {{ cluster.hacluster_ssh_dir }}
    - user: hacluster
    - group: haclient
    - mode: "0700"
    - require_in:
      - crmsh: drbdha-cluster-crmsh
{%-   endif %}

{#- crmsh mode: crm cluster init on the first node, crm cluster join on the other;
    neither runs again on a node that runs a cluster. The hacluster password is
    set first: crmsh sets "linux" on an account whose password is locked. #}
drbdha-cluster-crmsh:
  crmsh.cluster_bootstrapped:
    - name: {{ cluster.name }}
    - node: {{ drbdha.this_node }}
    - first_node: {{ drbdha.first_node }}
    - interface: {{ drbdha.network.get("replication_interface", "eth1") }}
    - require:
      - drbdha: drbdha-cluster-hacluster-password
{%-   if fencing.quorum.device %}

{#- The quorum device goes into the corosync.conf crmsh wrote, on each node
    once the other has joined (the state says so while it waits). #}
drbdha-cluster-quorum:
  crmsh.corosync_quorum:
    - name: /etc/corosync/corosync.conf
    - section: {{ fencing.quorum_section | json }}
    - nodes: {{ drbdha.nodes | length }}
    - require:
      - crmsh: drbdha-cluster-crmsh

drbdha-cluster-corosync-reload:
  module.run:
    - crmsh.corosync_reload: []
    - onchanges:
      - crmsh: drbdha-cluster-quorum
{%-   endif %}
{%- endif %}
{%- if fencing.quorum.device %}

{#- corosync-qdevice casts the quorum host's vote; its certificate comes from
    salt-run drbdha.qdevice_certificates, which the rollout runs before this. #}
drbdha-cluster-qdevice-certificate:
  qdevice.node_certified

drbdha-cluster-qdevice-service:
  systemctl.running:
    - name: corosync-qdevice
    - enable: true
    - require:
      - qdevice: drbdha-cluster-qdevice-certificate
{%-   if cluster.mode == "native" %}
      - systemctl: drbdha-cluster-corosync-service
{%-   else %}
      - module: drbdha-cluster-corosync-reload
    {#- corosync-qdevice exits at once without a device in corosync.conf #}
    - onlyif:
      - fun: crmsh.quorum_device_configured
{%-   endif %}
{%- endif %}
