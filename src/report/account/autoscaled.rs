//! An autoscaled service that gave way: when its autoscaler may grow it enough for the peak, it must grow sooner (look more often, boot faster); when it may not, its most replicas must rise.

use super::capacity::Sizing;
use super::room::Room;
use super::watch::{count, seconds_text};

/// What to try for autoscaled `id` (`s`) that needs `need` workers at the
/// utilisation a suggestion sizes for; `None` when it has no autoscaler,
/// or the level locks it or caps its replicas below what is needed.
pub(super) fn autoscaled(
    id: &str,
    s: &Sizing,
    need: f64,
    head: &str,
    room: Option<&Room>,
) -> Option<String> {
    let (max, interval, cooldown, cold) = s.autoscale?;
    let per = s.now("workers")?.max(1);
    if room.is_some_and(|r| r.lock_reason(id, "autoscale").is_some()) {
        return None;
    }
    let most = max * per;
    let need_text = count(need.ceil());
    if f64::from(most) >= need {
        return Some(format!(
            "{id}'s autoscaler is the fix, sooner: {head}; it may grow to {max} replicas × {per} \
             = {most} workers, enough for the {need_text} workers the peak needs, but it looks \
             every {}, acts again only {} after it acted, and a new replica serves only after a \
             cold start of {}: look more often, act sooner and boot faster (`{id}.autoscale`: \
             `interval`, `cooldown`, `cold_start`)",
            seconds_text(interval.as_secs_f64()),
            seconds_text(cooldown.as_secs_f64()),
            seconds_text(cold.as_secs_f64())
        ));
    }
    let more = (need / f64::from(per)).ceil() as u32;
    if room
        .and_then(|r| r.max_of(id, "service", "autoscale.max"))
        .is_some_and(|limit| f64::from(more) > limit)
    {
        return None;
    }
    Some(format!(
        "let {id}'s autoscaler grow further: {head}; at most {max} replicas × {per} give {most} \
         workers, and the peak needs about {need_text} ({more} replicas: `{id}.autoscale.max = \
         {more}`)"
    ))
}
