# (d) failed actions: a monitor failure of havm (domain destroyed behind Pacemaker's back) and a
#     VirtualDomain whose config XML path is wrong
P=pacemaker/2.1.5; C=crmsh/4.4.1
"$FASTLAB" exec node-1 virsh destroy havm
sleep 15
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
S="Situation (d1): havm's domain destroyed with \`virsh destroy havm\` on node-1 behind Pacemaker's back; the 10 s monitor failed (not running), Pacemaker recovered it (stop+start on node-1); fail-count-rsc_kvm_havm#monitor_10000=1."
cap $P crm_mon-failed-monitor-recovered.xml node-1 "$S" -- crm_mon -1 --output-as=xml
cap $P crm_mon-failed-monitor-recovered.txt node-1 "$S" -- crm_mon -1 --failcounts
cap $C crm-configure-load-update-bad-config-path.txt node-1 "Adds rsc_kvm_broken: VirtualDomain with config=/etc/havm/nosuch.xml (file missing on both nodes)." -- sh -c 'printf "primitive rsc_kvm_broken VirtualDomain params config=/etc/havm/nosuch.xml hypervisor=qemu:///system op monitor interval=10 timeout=30 op start timeout=120s interval=0 op stop timeout=120s interval=0\n" | crm configure load update -'
sleep 10
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
S="Situation (d2): (d1) plus rsc_kvm_broken (VirtualDomain, config=/etc/havm/nosuch.xml, missing on both nodes): its probes/start fail."
cap $P crm_mon-failed-bad-config.xml node-1 "$S" -- crm_mon -1 --output-as=xml
cap $P crm_mon-failed-bad-config-inactive.xml node-1 "$S" -- crm_mon -1 --output-as=xml --inactive
cap $P crm_mon-failed-bad-config.txt node-1 "$S" -- crm_mon -1 --failcounts --inactive
cap $P crm_resource-locate-rsc_kvm_broken.txt node-1 "$S" -- crm_resource --locate -r rsc_kvm_broken
cap $P cibadmin-Q-failed.xml node-1 "$S" -- cibadmin -Q
cap $C crm-resource-failcount-show.txt node-1 "$S" -- crm resource failcount rsc_kvm_havm show node-1
