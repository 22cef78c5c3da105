C=crmsh/4.4.1
for t in "resource move" "resource clear" "resource ban" "node standby" "node online" "node maintenance" "configure load" "configure show"; do
  cap $C "crm-help-${t// /-}.txt" node-1 "Help text of crmsh 4.4.1 (no TTY)." -- crm help $t
done
cap $C crm-help-options.txt node-1 "Global options of crm (no TTY)." -- crm --help
cap $C crm-version.txt node-1 "Package crmsh 4.4.1-1+deb12u1 reports this version string." -- crm --version
