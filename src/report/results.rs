//! The results folder: where results go by default, and the three exports of a run (summary.json, timeseries.csv, nodes.csv) written as temporaries and committed together.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::report::account::{Account, Happening};
use crate::report::atomic::{AtomicFile, commit_all, write_atomic};
use crate::report::csv::{TimeseriesWriter, nodes_csv};
use crate::report::html::{self, Downsampled, Page, Reproduce};
use crate::report::objectives::ObjectiveResult;
use crate::report::predict::{self, Predictions};
use crate::report::{RunInfo, summary_json};
use crate::sim::{Model, Summary, Window};

/// The files a results folder holds.
pub const FILES: [&str; 3] = ["summary.json", "timeseries.csv", "nodes.csv"];

/// `results/<name>`, where `name` is made from the scenario file's stem
/// (`scenario` when there is no file).
pub fn default_path(file: Option<&Path>, name: impl FnOnce(&str) -> String) -> PathBuf {
    let stem = file
        .and_then(Path::file_stem)
        .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from("results").join(name(&stem))
}

/// Writes one results file atomically, making its folder first.
pub fn write_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    write_atomic(path, contents)
}

/// One of the results files could not be written.
#[derive(Debug)]
pub struct WriteError {
    /// Its name, e.g. `nodes.csv`.
    pub file: String,
    pub error: io::Error,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot write {}: {}", self.file, self.error)
    }
}

fn failed(file: &str) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |error| WriteError {
        file: file.to_string(),
        error,
    }
}

/// Adds the `theory` keys: one per node, and the end-to-end mean.
fn add_theory(value: &mut serde_json::Value, (p, ids): &(Predictions, Vec<String>)) {
    if let Some(nodes) = value.get_mut("nodes").and_then(|n| n.as_object_mut()) {
        for (id, pred) in ids.iter().zip(&p.nodes) {
            if let Some(node) = nodes.get_mut(id).and_then(|n| n.as_object_mut()) {
                node.insert("theory".into(), predict::node_json(pred));
            }
        }
    }
    if let Some(o) = value.as_object_mut() {
        o.insert("theory".into(), predict::end_to_end_json(&p.end_to_end));
    }
}

/// A run's results being written into a folder that exists:
/// `timeseries.csv` streams window by window into a temporary file, and
/// [`Results::finish`] adds `summary.json` and `nodes.csv` and commits the
/// three together (all land, or the folder keeps what it held).
pub struct Results {
    dir: PathBuf,
    info: RunInfo,
    timeseries: TimeseriesWriter<AtomicFile>,
    /// What happened, told from the windows as they are written.
    account: Account,
    /// `report.html`, when asked for ([`Results::with_report`]).
    report: Option<Box<ReportState>>,
    /// Theory at the model's offered load, and the node ids it is for.
    theory: (Predictions, Vec<String>),
    /// The `link_theory` key: the links' predicted utilisations.
    link_theory: Option<serde_json::Value>,
}

/// What `report.html` needs beyond the other files: the design, the
/// windows downsampled (bounded memory), where the run came from.
struct ReportState {
    model: Model,
    series: Downsampled,
    reproduce: Reproduce,
}

impl Results {
    /// Starts the results of a run of `model` in `dir`: writes the
    /// header of `timeseries.csv` into its temporary file.
    pub fn create(dir: &Path, info: &RunInfo, model: &Model) -> Result<Results, WriteError> {
        let ids = model
            .nodes
            .iter()
            .map(|n| (n.id.clone(), n.kind.name()))
            .collect();
        let file =
            AtomicFile::create(&dir.join("timeseries.csv")).map_err(failed("timeseries.csv"))?;
        let timeseries =
            TimeseriesWriter::new(file, info, ids).map_err(failed("timeseries.csv"))?;
        Ok(Results {
            dir: dir.to_path_buf(),
            info: info.clone(),
            timeseries,
            account: Account::new(model),
            report: None,
            theory: (
                predict::predict(model),
                model.nodes.iter().map(|n| n.id.clone()).collect(),
            ),
            link_theory: predict::links_json(model, &predict::link_loads(model)),
        })
    }

    /// Also writes `report.html` (committed with the other files), with
    /// the design `model` and how to reproduce the run.
    pub fn with_report(mut self, model: &Model, reproduce: Reproduce) -> Results {
        self.report = Some(Box::new(ReportState {
            model: model.clone(),
            series: Downsampled::default(),
            reproduce,
        }));
        self
    }

    /// Appends closed windows to `timeseries.csv`.
    pub fn write_windows<'a>(
        &mut self,
        windows: impl IntoIterator<Item = &'a Window>,
    ) -> Result<(), WriteError> {
        for w in windows {
            self.account.observe(w);
            if let Some(r) = &mut self.report {
                r.series.push(w);
            }
            self.timeseries
                .write_window(w)
                .map_err(failed("timeseries.csv"))?;
        }
        Ok(())
    }

    /// Writes `summary.json` and `nodes.csv` and commits the three files
    /// together; returns the text of `summary.json` and what happened.
    pub fn finish(
        self,
        summary: &Summary,
        objectives: &[ObjectiveResult],
    ) -> Result<(String, Vec<Happening>), WriteError> {
        self.finish_with(summary, objectives, None)
    }

    /// `finish`, with `extra`: a key added to `summary.json` and a file
    /// committed with the others (`p99_by_hop` and `traces.json`).
    pub fn finish_with(
        self,
        summary: &Summary,
        objectives: &[ObjectiveResult],
        extra: Option<(&str, serde_json::Value, &str, String)>,
    ) -> Result<(String, Vec<Happening>), WriteError> {
        let happened = self.account.tell(summary, objectives);
        let mut value = summary_json::to_json(&self.info, summary, objectives);
        let mut more = Vec::new();
        if let Some((key, v, file, text)) = extra {
            if let Some(o) = value.as_object_mut() {
                o.insert(key.into(), v);
            }
            more.push(self.staged(file, &text)?);
        }
        add_theory(&mut value, &self.theory);
        if let (Some(o), Some(links)) = (value.as_object_mut(), &self.link_theory) {
            o.insert("link_theory".into(), links.clone());
        }
        if let Some(o) = value.as_object_mut() {
            o.insert(
                "what_happened".into(),
                summary_json::what_happened(&happened),
            );
        }
        let json = summary_json::pretty(&value);
        if let Some(r) = &self.report {
            let page = html::render(&Page {
                info: &self.info,
                model: &r.model,
                summary,
                objectives,
                happened: &happened,
                by_hop: value.get("p99_by_hop"),
                series: &r.series,
                reproduce: &r.reproduce,
            });
            more.push(self.staged(html::FILE, &page)?);
        }
        let nodes = nodes_csv(&self.info, summary);
        let json_file = self.staged("summary.json", &json)?;
        let nodes_file = self.staged("nodes.csv", &nodes)?;
        let mut files = vec![json_file, self.timeseries.into_inner(), nodes_file];
        files.extend(more);
        commit_all(files).map_err(|(path, error)| WriteError {
            file: path
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
            error,
        })?;
        Ok((json, happened))
    }

    /// `text` written into a temporary file for `name`, not yet committed.
    fn staged(&self, name: &str, text: &str) -> Result<AtomicFile, WriteError> {
        let mut f = AtomicFile::create(&self.dir.join(name)).map_err(failed(name))?;
        io::Write::write_all(f.writer(), text.as_bytes()).map_err(failed(name))?;
        Ok(f)
    }
}
