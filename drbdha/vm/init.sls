{#- The protected guests (reference step 6): libvirtd running, each guest's
    domain XML at /etc/havm/NAME.xml on both nodes — imported from pillar, or
    made once by virt-install on the first node (then shared through the Salt
    mine) — and the domain left undefined in libvirt: the cluster owns it. #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/map.jinja" import drbdha with context %}

drbdha-vm-libvirtd:
  systemctl.running:
    - name: {{ drbdha.libvirt_service }}
    - enable: true

drbdha-vm-config-dir:
  file.directory:
    - name: {{ drbdha.vm_config_dir }}
    - user: root
    - group: root
    - mode: "0755"

{%- for name, vm in drbdha.vms | dictsort %}
{%-   set xml_path = drbdha.vm_config_dir ~ "/" ~ name ~ ".xml" %}
{%-   set device = "/dev/drbd" ~ drbdha.drbd.resources[vm.resource].minor %}
{%-   if vm.get("import_xml") %}
drbdha-vm-{{ name }}-xml:
  virsh.domain_xml:
    - name: {{ xml_path }}
    - domain: {{ name }}
    - source: {{ vm.import_xml }}
    - disk: {{ device }}
    - require:
      - file: drbdha-vm-config-dir
{%-   elif drbdha.is_first_node %}
drbdha-vm-{{ name }}-xml:
  virsh.installed:
    - name: {{ xml_path }}
    - domain: {{ name }}
    - disk: {{ device }}
    - install: {{ vm.install | json }}
    - require:
      - file: drbdha-vm-config-dir
      - systemctl: drbdha-vm-libvirtd

drbdha-vm-{{ name }}-mine:
  module.run:
    - mine.send:
      - name: drbdha_vm_xml
      - mine_function: drbdha.vm_xml
    - onchanges:
      - virsh: drbdha-vm-{{ name }}-xml
{%-   else %}
drbdha-vm-{{ name }}-xml:
  virsh.domain_xml:
    - name: {{ xml_path }}
    - domain: {{ name }}
    - mine_from: {{ drbdha.first_node }}
    - disk: {{ device }}
    - require:
      - file: drbdha-vm-config-dir
{%-   endif %}

drbdha-vm-{{ name }}-cluster-owned:
  virsh.undefined:
    - name: {{ name }}
    - require:
      - virsh: drbdha-vm-{{ name }}-xml
      - systemctl: drbdha-vm-libvirtd
{%- endfor %}
