C=crmsh/4.4.1; P=pacemaker/2.1.5
cap $C crm-resource-move-dash-force-no-node.txt node-1 "Healthy, no cli-* constraint. The dash form \`--force\` without a node (as newer crmsh documents it): crmsh 4.4.1 does not take it as force." -- crm resource move rsc_kvm_havm --force
cap $C crm-resource-move-node-dash-force.txt node-1 "Healthy, havm on node-2, no cli-* constraint. Move to node-1 followed by \`--force\`." -- crm resource move rsc_kvm_havm node-1 --force
cap $P cibadmin-Q-o-constraints-move-node-dash-force.xml node-1 "Right after \`crm resource move rsc_kvm_havm node-1 --force\` (crmsh 4.4.1): shows what the trailing --force became." -- cibadmin -Q -o constraints
"$FASTLAB" exec node-1 crm -w resource clear rsc_kvm_havm
