"""CPU time of a cold sync per kind of thread and per category, from `perf script` output (issue 23).

  PROFILE_WINDOWS=1 PROFILE_TAR=0 perf record -k CLOCK_MONOTONIC -F 1999 -g -o perf.data -- \
      node --perf-basic-prof --import tsx bench/sync/profile.ts 8          # prints each run's window
  perf script -i perf.data -F comm,tid,time,ip,sym,dso --time FROM,TO > runs.txt   # one or more windows
  python3 bench/sync/perf-threads.py runs.txt MAIN_PID SAMPLES_PER_RUN [ROWS]     # e.g. 1999 × windows

Threads are told apart by their stacks: main (the pid), fs (the file-system threads' eval'd code), uv (libuv's
pool: zlib's inflate runs there), v8 (the platform's compiler and GC helpers). A sample is charged to the frame
nearest its leaf that names a category (SHA-1, inflate, a system call, GC, compile, postMessage, a JS file).
"""
import sys, re, collections
path, mainpid = sys.argv[1], sys.argv[2]
samples = []
cur = None
for line in open(path, errors='replace'):
    if not line.strip():
        if cur: samples.append(cur); cur = None
        continue
    if not line.startswith('\t') and not line.startswith(' '):
        parts = line.split()
        cur = (parts[1], [])
        continue
    if cur is None: continue
    m = re.match(r'\s*[0-9a-f]+ (.*) \((.*)\)$', line.rstrip())
    if m: cur[1].append((m.group(1), m.group(2)))
if cur: samples.append(cur)

def thread_kind(frames_all):
    pass
# classify threads by their frames
tidframes = collections.defaultdict(collections.Counter)
for tid, fr in samples:
    for sym, dso in fr:
        if 'worker eval' in sym or 'node::worker::Worker::Run' in sym: tidframes[tid]['fs']+=1
        if 'uv__fs_work' in sym or 'uv__work_done' in sym or 'worker (libuv' in sym or 'uv__threadpool' in sym or sym=='worker': tidframes[tid]['uv']+=1
        if 'WorkerThreadsTaskRunner' in sym or 'PlatformWorker' in sym or 'DelayedTaskScheduler' in sym: tidframes[tid]['v8']+=1
def kind(tid):
    if tid == mainpid: return 'main'
    c = tidframes[tid]
    if not c: return 'other'
    return c.most_common(1)[0][0]

KSYS = [(r'exc_page_fault', 'page faults'), (r'vfs_write|ksys_write|__x64_sys_write|shmem_write|generic_perform_write', 'write'), (r'do_sys_openat|path_openat|__x64_sys_openat|do_filp_open', 'open'),
        (r'vfs_statx|do_statx|__x64_sys_statx|newfstatat|vfs_fstat', 'stat'), (r'__x64_sys_close|filp_close|__fput|close_fd', 'close'), (r'do_renameat|vfs_rename', 'rename'),
        (r'do_mkdirat|vfs_mkdir', 'mkdir'), (r'do_unlinkat|vfs_unlink|do_rmdir', 'unlink/rmdir'), (r'futex', 'futex'), (r'epoll', 'epoll'), (r'vfs_read|ksys_read|filemap_read', 'read'),
        (r'getdents|iterate_dir', 'getdents'), (r'schedule|finish_task_switch', 'scheduler'), (r'mmap|munmap|madvise|mprotect', 'mm'), (r'__x64_sys_(\w+)', 'other syscall')]
RULES = [
    ('SHA-1', lambda s: 'sha1' in s and not s.startswith('JS:')),
    ('gunzip (zlib inflate)', lambda s: not s.startswith('JS:') and re.search(r'^inflate|inflate_fast|inflate_table|adler32|crc32|ZlibContext::Work|ZlibStream.*DoThreadPoolWork', s) is not None),
    ('GC', lambda s: re.search(r'Scavenge|MarkCompact|ConcurrentMarking|Sweeper|Heap::Collect|MinorMark|IncrementalMarking|ArrayBufferSweeper|MarkingVisitor|Evacuat|Heap::Perform|GCTracer', s) is not None),
    ('V8 compile', lambda s: re.search(r'v8::internal::compiler|Compiler::|Parser|BytecodeGenerator|maglev|baseline::|OptimizingCompile', s) is not None),
    ('postMessage (serialize/deliver)', lambda s: re.search(r'ValueSerializer|ValueDeserializer|Message::Serialize|Message::Deserialize|MessagePortData|MessagePort::PostMessage|structuredClone', s) is not None),
    ('page faults', lambda s: 'exc_page_fault' in s),
]
def category(fr):
    syms = [s for s, d in fr]
    leaf = syms[0] if syms else '?'
    dsos = [d for s, d in fr]
    for i, s in enumerate(syms):
        if dsos[i] == '[kernel.kallsyms]':
            for k in syms[i:]:
                for pat, name in KSYS:
                    if re.search(pat, k): return 'kernel ' + name
            if any(d == '[kernel.kallsyms]' for d in dsos[i:]) and i == 0:
                pass
        m = re.search(r'__(?:x64|do)_sys_(\w+)', s)
        if m: return 'syscall ' + m.group(1)
        for name, rule in RULES:
            if rule(s): return name
        if s.startswith('JS:'):
            if 'memmove' in leaf or 'memcpy' in leaf: return 'memcpy from ' + jsfile(s)
            return 'JS ' + jsfile(s)
    if 'memmove' in leaf or 'memcpy' in leaf: return 'memcpy (native)'
    if any('futex' in s for s in syms): return 'futex/wait'
    if leaf.startswith('Builtins_') or 'v8::' in leaf: return 'V8 runtime (no JS frame)'
    return 'native ' + leaf[:50]

def jsfile(s):
    m = re.match(r'JS:[*~^+]?(\S*) (.*):\d+:\d+', s)
    if not m: return s[:60]
    f = m.group(2)
    f = re.sub(r'.*/node_modules/', '', f)
    f = re.sub(r'.*/wt-sync/', '', f)
    return f + ' (' + (m.group(1) or '?') + ')' if 'tar-stream' in f or 'streamx' in f or 'src/sync' in f or 'worker eval' in f or 'node:' in f else f

bykind = collections.Counter()
cats = collections.defaultdict(collections.Counter)
for tid, fr in samples:
    k = kind(tid); bykind[k]+=1
    cats[k][category(fr)]+=1
total = sum(bykind.values())
hz = float(sys.argv[3]) if len(sys.argv)>3 else 2999
print(f'samples {total} (~{total/hz*1000:.0f} ms CPU)')
for k, n in bykind.most_common():
    print(f'\n== {k}: {n} samples ~{n/hz*1000:.0f} ms ({100*n/total:.1f}%)')
    for c, m in cats[k].most_common(int(sys.argv[4]) if len(sys.argv)>4 else 25):
        print(f'   {m/hz*1000:7.0f} ms {100*m/n:5.1f}%  {c}')
