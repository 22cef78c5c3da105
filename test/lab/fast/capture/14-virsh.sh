# libvirt 9.0.0 (libvirtd inside the node containers; TCG only, no /dev/kvm)
L=libvirt/9.0.0
S="node-2 runs havm (started by ocf:heartbeat:VirtualDomain from /etc/havm/havm.xml, i.e. a transient domain) ; no other domain."
cap $L virsh-list-all-name-running.txt node-2 "$S" -- virsh list --all --name
cap $L virsh-list-all-running.txt node-2 "$S" -- virsh list --all
cap $L virsh-domstate-running.txt node-2 "$S" -- virsh domstate havm
cap $L virsh-domstate-reason-running.txt node-2 "$S" -- virsh domstate havm --reason
cap $L virsh-dumpxml-running.xml node-2 "$S" -- virsh dumpxml havm
cap $L virsh-dumpxml-inactive-of-running.xml node-2 "$S (transient domain: --inactive gives the boot-time config)" -- virsh dumpxml --inactive havm
cap $L virsh-dominfo-running.txt node-2 "$S" -- virsh dominfo havm
cap $L virsh-domstate-nosuch.txt node-2 "$S" -- virsh domstate nosuch
cap $L virsh-dominfo-nosuch.txt node-2 "$S" -- virsh dominfo nosuch
cap $L virsh-dumpxml-nosuch.txt node-2 "$S" -- virsh dumpxml nosuch
# node-1: a persistent domain testvm (same XML as havm, other name), not managed by Pacemaker
S1="node-1 (havm runs on node-2). /root/testvm.xml = test/lab/fast/havm.xml with <name>testvm</name>."
cap $L virsh-define-testvm.txt node-1 "$S1" -- virsh define /root/testvm.xml
S1="node-1: testvm defined (persistent), never started; havm not on this node."
cap $L virsh-list-all-name-shutoff.txt node-1 "$S1" -- virsh list --all --name
cap $L virsh-list-all-shutoff.txt node-1 "$S1" -- virsh list --all
cap $L virsh-domstate-shutoff.txt node-1 "$S1" -- virsh domstate testvm
cap $L virsh-domstate-reason-shutoff.txt node-1 "$S1" -- virsh domstate testvm --reason
cap $L virsh-dumpxml-shutoff.xml node-1 "$S1" -- virsh dumpxml testvm
cap $L virsh-dominfo-shutoff.txt node-1 "$S1" -- virsh dominfo testvm
cap $L virsh-start-testvm.txt node-1 "$S1" -- virsh start testvm
sleep 3
cap $L virsh-suspend-testvm.txt node-1 "node-1: testvm running." -- virsh suspend testvm
S1="node-1: testvm started, then suspended (\`virsh suspend testvm\`)."
cap $L virsh-domstate-paused.txt node-1 "$S1" -- virsh domstate testvm
cap $L virsh-domstate-reason-paused.txt node-1 "$S1" -- virsh domstate testvm --reason
cap $L virsh-list-all-paused.txt node-1 "$S1" -- virsh list --all
cap $L virsh-dominfo-paused.txt node-1 "$S1" -- virsh dominfo testvm
cap $L virsh-resume-testvm.txt node-1 "$S1" -- virsh resume testvm
cap $L virsh-destroy-testvm.txt node-1 "node-1: testvm running." -- virsh destroy testvm
S1="node-1: testvm destroyed (\`virsh destroy testvm\`), still defined."
cap $L virsh-domstate-reason-destroyed.txt node-1 "$S1" -- virsh domstate testvm --reason
cap $L virsh-undefine-testvm.txt node-1 "$S1" -- virsh undefine testvm
cap $L virsh-define-broken-xml.txt node-1 "node-1. /root/broken.xml is not well-formed (unclosed <os>): '<domain type=\"qemu\">' / '  <name>brokenvm</name>' / '  <memory unit=\"MiB\">64</memory>' / '  <os><type>hvm</type>' / '</domain>'." -- virsh define /root/broken.xml
cap $L virsh-define-invalid-domain.txt node-1 "node-1. /root/invalid.xml is well-formed but has no <os>: '<domain type=\"qemu\">' / '  <name>noosvm</name>' / '  <memory unit=\"MiB\">64</memory>' / '</domain>'." -- virsh define /root/invalid.xml
cap $L virsh-define-missing-file.txt node-1 "node-1; the file does not exist." -- virsh define /root/nosuch.xml
cap $L virsh-version.txt node-1 "libvirt-clients 9.0.0-4+deb12u2." -- virsh --version
cap $L virsh-version-daemon.txt node-1 "libvirt-clients/libvirt-daemon 9.0.0-4+deb12u2, libvirtd running." -- virsh version
cap $L libvirtd-version.txt node-1 "libvirt-daemon 9.0.0-4+deb12u2." -- libvirtd --version
cap $L virsh-uri.txt node-1 "root in the container, default connection." -- virsh uri
