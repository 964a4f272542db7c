/**
 * Which process holds a port and which processes launched this one: enough for `npm start` to stop
 * when whatever launched it is killed, and to tell a user which leftover process holds a port.
 * Linux answers from /proc; elsewhere `lsof` and `ps` answer. Anything the platform does not say comes
 * back undefined, and callers fall back to a plainer message.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
}

export function processInfo(pid: number): ProcessInfo | undefined {
  return process.platform === 'linux' ? procInfo(pid) : psInfo(pid);
}

function procInfo(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may itself hold spaces and parentheses; the fields follow the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has exited; only its parent has not collected it yet. A process whose first thread has
    // ended (the JVM shutting down) shows Z too while its other threads run on.
    if ((state === 'Z' && readdirSync(`/proc/${pid}/task`).length <= 1) || state === 'X') return undefined;
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, ppid: Number(ppid), command };
  } catch {
    return undefined;
  }
}

function psInfo(pid: number): ProcessInfo | undefined {
  const line = run('ps', ['-o', 'ppid=,command=', '-p', String(pid)]);
  const match = line === undefined ? null : /^\s*(\d+)\s+(.*)$/.exec(line);
  if (!match) return undefined;
  return { pid, ppid: Number(match[1]), command: match[2]!.trim() };
}

/** The process listening on TCP `port` on this machine, if this user may see it. */
export function listeningProcess(port: number): ProcessInfo | undefined {
  const pid = process.platform === 'linux' ? procListener(port) : lsofListener(port);
  return pid === undefined ? undefined : processInfo(pid);
}

function procListener(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').trim().split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      const localPort = parseInt(fields[1]?.split(':').pop() ?? '', 16);
      // State 0A is LISTEN.
      if (localPort === port && fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`))?.[1];
        if (inode !== undefined && inodes.has(inode)) return Number(entry);
      } catch {
        // closed while we looked
      }
    }
  }
  return undefined;
}

function lsofListener(port: number): number | undefined {
  const pid = Number(run('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-t'])?.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function run(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** tsx running this script, npm's `sh -c` for the script, and npm (or pnpm, yarn) itself. */
const LAUNCHER = /local\/start\.ts|(^|[\s/])(npm|npm-cli\.js|pnpm|yarn)(\s|$)/;

/**
 * The processes whose death should stop this one: the unbroken line of ancestors that exist only to
 * run it (for `npm start`: tsx, sh and npm). The line ends at the first other process, such as the
 * user's shell or a script that started `npm start &` and went on to other things.
 */
export function launchers(): number[] {
  const found: number[] = [];
  let current = processInfo(process.ppid);
  while (current && current.pid > 1 && LAUNCHER.test(current.command)) {
    found.push(current.pid);
    current = processInfo(current.ppid);
  }
  return found;
}

/**
 * Calls `onGone` once when any of `launchers()` has exited. A SIGKILL gives the killed process no
 * chance to stop its children, and nothing tells them: without this, killing `npm start`'s npm or tsx
 * leaves the server and DynamoDB Local running, holding their ports, with no terminal to stop them.
 */
export function whenLaunchersGone(onGone: (pid: number) => void, intervalMs = 500): () => void {
  const watched = launchers();
  const parent = process.ppid;
  const timer = setInterval(() => {
    // Re-parenting is immediate, while a killed parent may linger as a zombie that still answers kill(0).
    const orphaned = watched[0] === parent && process.ppid !== parent;
    const gone = orphaned ? parent : watched.find((pid) => !isAlive(pid));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return process.platform !== 'linux' || processInfo(pid) !== undefined;
}
