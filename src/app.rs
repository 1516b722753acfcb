//! The window (Bevy + bevy_egui), behind the `gui` feature. Not built yet: see issue "The window".
