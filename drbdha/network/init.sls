{#- Network (reference step 2; opt-in with drbdha:network:manage): hostname,
    /etc/hosts, bridge br0 over the external NIC with the node's static address
    and default route, the replication NIC's static address. wicked ifcfg files
    on SUSE, ifupdown on Debian. The new configuration is applied by a transient
    systemd timer a few seconds after this state run returns, so the apply that
    writes it is not cut off mid-way by its own network change. #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/map.jinja" import drbdha with context %}
{%- set net = drbdha.network %}
{%- set node = drbdha.nodes[drbdha.this_node] %}
{%- set context = {"net": net, "node": node, "node_name": drbdha.this_node} %}

drbdha-network-hostname:
  file.managed:
    - name: /etc/hostname
    - contents: {{ drbdha.this_node }}

drbdha-network-hostname-live:
  module.run:
    - network.mod_hostname:
      - hostname: {{ drbdha.this_node }}
    - onchanges:
      - file: drbdha-network-hostname

{%- for name, other in drbdha.nodes | dictsort %}
drbdha-network-hosts-{{ name }}:
  host.only:
    - name: {{ other.external_address or other.replication_address }}
    - hostnames:
{%-   if net.get("domain") %}
      - {{ name }}.{{ net.domain }}
{%-   endif %}
      - {{ name }}
{%- endfor %}

{%- if grains.os_family == "Suse" %}
{%-   set files = {
        "ifcfg-" ~ net.bridge: "ifcfg-bridge.jinja",
        "ifcfg-" ~ net.external_interface: "ifcfg-port.jinja",
        "ifcfg-" ~ net.replication_interface: "ifcfg-replication.jinja",
      } %}
{%-   if net.get("gateway") %}
{%-     do files.update({"ifroute-" ~ net.bridge: "ifroute-bridge.jinja"}) %}
{%-   endif %}
{%-   for filename, template in files | dictsort %}
drbdha-network-{{ filename }}:
  file.managed:
    - name: /etc/sysconfig/network/{{ filename }}
    - source: salt://{{ tplroot }}/files/network/{{ template }}
    - template: jinja
    - context: {{ context | json }}
    - mode: "0644"
    - onchanges_in:
      - module: drbdha-network-apply
{%-   endfor %}
{%-   set reload = ["wicked", "ifreload", "all"] %}
{%- else %}
drbdha-network-bridge-utils:
  pkg.installed:
    - name: bridge-utils

drbdha-network-interfaces:
  file.managed:
    - name: /etc/network/interfaces.d/drbdha
    - source: salt://{{ tplroot }}/files/network/interfaces.jinja
    - template: jinja
    - context: {{ context | json }}
    - mode: "0644"
    - require:
      - pkg: drbdha-network-bridge-utils
    - onchanges_in:
      - module: drbdha-network-apply
{%-   set reload = ["systemctl", "restart", "networking"] %}
{%- endif %}

drbdha-network-apply:
  module.run:
    - drbdha.apply_network_later:
      - command: {{ reload | json }}
