//! Warm runs (docs/warm.md): the suite booted once, a run forked from it (or run through a
//! prebuilt binary), for as long as nothing shows that warm runs cannot be trusted. `Warmth` is
//! what a bisection or a hunt holds: which way runs go, why they went cold, and the counts.

mod server;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::progress;
use crate::run::Via;
use crate::runner::{Adapter, Warm};
use crate::store::Store;
use crate::template::Template;

pub use server::{Request, Server};

/// How the runs of a bisection (or a hunt) went, for its JSON and REPORT.md.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Probing {
    /// "warm" when a warm server (or prebuilt binary) served runs, else "cold".
    pub mode: String,
    /// Runs forked from the booted suite or run through the prebuilt binary.
    pub warm: usize,
    /// Fresh runs of the command, as a person would run it.
    pub cold: usize,
    /// What the one boot of the warm server took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_seconds: Option<f64>,
    /// Why runs were not warm, or stopped being warm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// What warm and cold runs disagreed on, when they did: everything after it ran cold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disagreement: Option<String>,
}

enum Launcher {
    Server(Box<Server>),
    Prebuilt { replay: Template, hunt: Template },
}

pub struct Warmth {
    launcher: Option<Launcher>,
    /// Set once runs go cold for good: the reason, or the disagreement.
    cold_since: Mutex<Option<String>>,
    disagreement: Mutex<Option<String>>,
    warm: AtomicUsize,
    cold: AtomicUsize,
    fallback: Option<String>,
}

impl Warmth {
    /// Every run cold, as asked (`--probe cold`, a hunt without `--warm`).
    pub fn cold() -> Warmth {
        Warmth::without(None)
    }

    fn without(fallback: Option<String>) -> Warmth {
        Warmth {
            launcher: None,
            cold_since: Mutex::new(None),
            disagreement: Mutex::new(None),
            warm: AtomicUsize::new(0),
            cold: AtomicUsize::new(0),
            fallback,
        }
    }

    /// Boots the adapter's warm server, or builds its binary. Never fails: where warm runs
    /// cannot be had, it says why on stderr and every run is cold.
    pub fn start(
        adapter: &dyn Adapter,
        hunt: &Template,
        replay: &Template,
        store: &Store,
        tag: &str,
        boot_limit: Option<Duration>,
    ) -> Warmth {
        let scratch = store.root().join("warm").join(tag);
        let prepared = std::fs::create_dir_all(&scratch)
            .map_err(|e| format!("cannot create {}: {e}", scratch.display()))
            .and_then(|()| adapter.warm(hunt, replay, &scratch).map_err(|e| e.message));
        let launcher = match prepared {
            Ok(Some(Warm::Server { command })) => {
                let log = store.log_path(&format!("{tag}-warm"));
                Server::start(&command, &log, boot_limit)
                    .map(|server| Launcher::Server(Box::new(server)))
                    .map_err(|reason| format!("the warm server did not start: {reason}"))
            }
            Ok(Some(Warm::Prebuilt { replay, hunt })) => Ok(Launcher::Prebuilt { replay, hunt }),
            Ok(None) => {
                return Warmth::without(Some(format!(
                    "the {} runner has no warm runs",
                    adapter.name()
                )));
            }
            Err(reason) => Err(reason),
        };
        match launcher {
            Ok(launcher) => Warmth {
                launcher: Some(launcher),
                ..Warmth::without(None)
            },
            Err(reason) => {
                progress::warn(&format!("{reason}; running cold"));
                Warmth::without(Some(reason))
            }
        }
    }

    pub fn is_warm(&self) -> bool {
        self.launcher.is_some() && lock(&self.cold_since).is_none()
    }

    /// How to run an explicit order (`explicit`) or the runner's own order of a seed, and the
    /// command that runs it; `cold` is the command a fresh run uses.
    pub fn via<'a>(&'a self, cold: &'a Template, explicit: bool) -> (Via<'a>, &'a Template) {
        if !self.is_warm() {
            return (Via::Cold, cold);
        }
        match &self.launcher {
            Some(Launcher::Server(server)) => (Via::Server(server), cold),
            Some(Launcher::Prebuilt { replay, .. }) if explicit => (Via::Prebuilt, replay),
            Some(Launcher::Prebuilt { hunt, .. }) => (Via::Prebuilt, hunt),
            None => (Via::Cold, cold),
        }
    }

    /// Counts a run that went `via`.
    pub fn count(&self, via: Via) {
        let counter = match via {
            Via::Cold => &self.cold,
            Via::Server(_) | Via::Prebuilt => &self.warm,
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    /// The warm server failed a run (refused it, died): that run and every later one go cold.
    pub fn give_up(&self, reason: &str) {
        let mut since = lock(&self.cold_since);
        if since.is_none() {
            progress::warn(&format!("{reason}; running the rest cold"));
            *since = Some(reason.to_string());
        }
    }

    /// A cold run contradicted what warm runs concluded: say so; the rest runs cold.
    pub fn disagree(&self, what: String) {
        progress::say(&format!(
            "warm and cold runs disagree: {what}; finishing cold"
        ));
        *lock(&self.cold_since) = Some(what.clone());
        *lock(&self.disagreement) = Some(what);
    }

    pub fn report(&self) -> Probing {
        let warm = self.warm.load(Ordering::SeqCst);
        let disagreement = lock(&self.disagreement).clone();
        let gave_up = lock(&self.cold_since)
            .clone()
            .filter(|_| disagreement.is_none());
        Probing {
            mode: if self.launcher.is_some() {
                "warm"
            } else {
                "cold"
            }
            .to_string(),
            warm,
            cold: self.cold.load(Ordering::SeqCst),
            boot_seconds: match &self.launcher {
                Some(Launcher::Server(server)) => Some(server.boot.as_secs_f64()),
                _ => None,
            },
            fallback: self.fallback.clone().or(gave_up),
            disagreement,
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
