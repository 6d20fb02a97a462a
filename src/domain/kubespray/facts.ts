/**
 * The host facts Kubespray's defaults read. generate_list.sh gathers them from the machine it
 * runs on; we set them explicitly: the architecture of the control host (or of --arch) and
 * always a Linux system, since the targets are Linux whatever machine builds the lists.
 */
import type { PyDict, PyKey, Value } from '../python/values.js'

export type ImageArch = 'amd64' | 'arm64'

/** Ansible's ansible_architecture for an --arch value. */
export const MACHINE_OF_ARCH: Record<ImageArch, string> = { amd64: 'x86_64', arm64: 'aarch64' }

/** Node's process.arch to the `uname -m` Ansible would report on Linux. */
export function machineOfNodeArch(nodeArch: string): string {
  const map: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', arm: 'armv7l', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', ia32: 'i386' }
  return map[nodeArch] ?? nodeArch
}

export function hostFacts(machine: string): PyDict {
  const facts = new Map<PyKey, Value>([
    ['architecture', machine],
    ['machine', machine],
    ['userspace_architecture', machine],
    ['system', 'Linux']
  ])
  const vars: PyDict = new Map()
  for (const [k, v] of facts) vars.set(`ansible_${String(k)}`, v)
  vars.set('ansible_facts', facts)
  return vars
}
