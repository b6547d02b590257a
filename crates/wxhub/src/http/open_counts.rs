//! Things open at once per key, bounded: event streams per credential (a screen key, a
//! client), so that one leaked key cannot hold every connection of the server; large upload
//! bodies per address, so that one address cannot fill the memory.

use std::sync::Arc;

#[derive(Default)]
pub struct OpenCounts(std::sync::Mutex<std::collections::HashMap<String, usize>>);

/// One open thing's place; given back when it is dropped.
pub struct OpenSlot {
    counts: Arc<OpenCounts>,
    key: String,
}

impl OpenCounts {
    /// A place for one more of `key`, unless `max` are open.
    pub fn take(self: &Arc<Self>, key: String, max: usize) -> Option<OpenSlot> {
        let mut counts = self.0.lock().expect("open counts");
        let n = counts.entry(key.clone()).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(OpenSlot {
            counts: self.clone(),
            key,
        })
    }
}

impl Drop for OpenSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock().expect("open counts");
        if let Some(n) = counts.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.key);
            }
        }
    }
}
