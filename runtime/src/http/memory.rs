//! Gives the memory of closed sessions back to the system. Each open session holds about 60 KiB
//! inside rmcp (a worker task and its channels), and glibc's allocator keeps freed heap pages
//! mapped: measured before this module, 2,000 sessions closed with DELETE left all of their
//! ~120 MiB resident, and each later wave of 2,000 grew the process further (148 → 268 MiB over
//! five waves) as the heap fragmented. `malloc_trim` hands every wholly free page back, so RSS
//! returns to within a few MiB of idle after each wave and waves stop adding up.
//!
//! A trim walks the whole heap, so it runs at most once per [`DELAY`], only after a session
//! closed, and on a blocking thread. Elsewhere than glibc (musl, macOS) it does nothing: those
//! allocators return memory on their own.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Closes within this long share one trim.
const DELAY: Duration = Duration::from_secs(1);

/// Trims once after a burst of frees.
#[derive(Default)]
pub struct Trim {
    scheduled: AtomicBool,
}

impl Trim {
    /// Memory was freed: trim within [`DELAY`], unless a trim is already on its way.
    pub fn soon(self: &Arc<Self>) {
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(DELAY).await;
            // Frees from here on schedule the next trim.
            this.scheduled.store(false, Ordering::Release);
            let _ = tokio::task::spawn_blocking(release).await;
        });
    }
}

/// Hands the allocator's free pages back to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release() {
    // SAFETY: malloc_trim takes no pointers and only rearranges the allocator's free lists, under
    // its own locks; 0 keeps no padding at the top of the heap.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release() {}
