//! Undo and redo for the editor: every applied edit keeps the design before it, at most `DEPTH` steps back.

use std::collections::VecDeque;

use crate::scenario::edit::{Design, Edit};

/// Steps of undo kept (the oldest are dropped beyond it).
pub const DEPTH: usize = 200;

/// A design with its past and (after undo) its future.
#[derive(Clone, Debug)]
pub struct History {
    now: Design,
    back: VecDeque<Design>,
    forward: Vec<Design>,
    /// The design as last saved (or opened).
    saved: Design,
}

impl History {
    pub fn new(design: Design) -> History {
        History {
            saved: design.clone(),
            now: design,
            back: VecDeque::new(),
            forward: Vec::new(),
        }
    }

    pub fn design(&self) -> &Design {
        &self.now
    }

    /// Applies `edit`; on success it can be undone and the redo list is
    /// cleared. A refused edit changes nothing.
    pub fn apply(&mut self, edit: &Edit) -> Result<(), String> {
        let before = self.now.clone();
        self.now.apply(edit)?;
        if self.now != before {
            self.back.push_back(before);
            if self.back.len() > DEPTH {
                self.back.pop_front();
            }
            self.forward.clear();
        }
        Ok(())
    }

    /// Steps back one edit; false when there is none.
    pub fn undo(&mut self) -> bool {
        let Some(prev) = self.back.pop_back() else {
            return false;
        };
        self.forward.push(std::mem::replace(&mut self.now, prev));
        true
    }

    /// Steps forward one undone edit; false when there is none.
    pub fn redo(&mut self) -> bool {
        let Some(next) = self.forward.pop() else {
            return false;
        };
        self.back.push_back(std::mem::replace(&mut self.now, next));
        true
    }

    pub fn can_undo(&self) -> bool {
        !self.back.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.forward.is_empty()
    }

    /// Whether the design differs from what was last saved (or opened).
    pub fn unsaved(&self) -> bool {
        self.now != self.saved
    }

    /// The design was just saved.
    pub fn mark_saved(&mut self) {
        self.saved = self.now.clone();
    }
}
