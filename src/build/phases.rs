//! What each phase of a build costs: wall and CPU time and the peak
//! memory at its end, for `casebook build -v` and the benchmark.

use std::time::{Duration, Instant};

/// What one phase of the build cost, for `--verbose`.
#[derive(Debug, Clone)]
pub struct Phase {
    pub name: &'static str,
    pub wall: Duration,
    /// CPU time of all the process's threads (user + system) during the
    /// phase: above `wall` when it ran in parallel (Unix only).
    pub cpu: Option<Duration>,
    /// The process's peak resident memory at the phase's end (Linux only).
    pub peak_memory: Option<u64>,
}

/// Timings of each phase, for `--verbose`.
pub struct Phases {
    pub started: Instant,
    last: Instant,
    last_cpu: Option<Duration>,
    pub list: Vec<Phase>,
}

impl Default for Phases {
    fn default() -> Self {
        Self::new()
    }
}

impl Phases {
    pub fn new() -> Self {
        let now = Instant::now();
        Phases {
            started: now,
            last: now,
            last_cpu: cpu_time(),
            list: Vec::new(),
        }
    }

    pub fn done(&mut self, name: &'static str) {
        let now = Instant::now();
        let cpu = cpu_time();
        self.list.push(Phase {
            name,
            wall: now - self.last,
            cpu: cpu
                .zip(self.last_cpu)
                .map(|(now, then)| now.saturating_sub(then)),
            peak_memory: peak_memory(),
        });
        self.last = now;
        self.last_cpu = cpu;
    }
}

/// CPU time used so far by all the process's threads.
fn cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
        // SAFETY: getrusage fills the struct it is given and reads nothing.
        let usage = unsafe {
            if libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) != 0 {
                return None;
            }
            usage.assume_init()
        };
        let time = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
        };
        Some(time(usage.ru_utime) + time(usage.ru_stime))
    }
    #[cfg(not(unix))]
    None
}

/// Hand memory freed so far back to the system. The search index is the
/// build's largest allocation; glibc keeps what it frees in its heap, and
/// rendering would then grow the process past it instead of reusing it.
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap pages; it has no
    // preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The process's peak resident memory so far (`VmHWM`), where Linux tells.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
