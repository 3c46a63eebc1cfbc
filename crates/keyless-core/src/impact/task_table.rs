//! The table of built-in pipeline tasks and the major versions that sign in with workload identity
//! federation, read once from `data/wif-task-support.toml`.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::Guid;

/// The shipped table; a test parses it, so a broken edit fails the build's tests, not a user.
const TABLE_TOML: &str = include_str!("../../data/wif-task-support.toml");

static TABLE: LazyLock<TaskTable> = LazyLock::new(|| {
    let file: TableFile = toml::from_str(TABLE_TOML).expect("data/wif-task-support.toml is valid (tested)");
    TaskTable { tasks: file.task }
});

/// Every task of the support table, in the table's order.
pub fn task_table() -> &'static TaskTable {
    &TABLE
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    task: Vec<TaskSupport>,
}

/// All built-in tasks the support table lists.
#[derive(Debug)]
pub struct TaskTable {
    pub tasks: Vec<TaskSupport>,
}

/// One task (all its listed major versions) and the id its task.json declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSupport {
    pub name: String,
    pub id: Guid,
    pub versions: Vec<VersionSupport>,
}

/// One row of the support table: `name@version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionSupport {
    pub version: u32,
    pub support: Support,
    /// The later major version to use instead (only for `Support::Upgrade`).
    #[serde(default)]
    pub upgrade_to: Option<u32>,
    /// The table's cell as published, e.g. "Use AzureFileCopy@6".
    pub table_says: String,
    /// Inputs through which this version supports federation; empty means any input.
    #[serde(default)]
    pub only_through_inputs: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// What the table says about one task version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Support {
    Yes,
    No,
    Upgrade,
}

/// How a given task version fares once its connection uses workload identity federation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict<'t> {
    Supported(&'t VersionSupport),
    /// Supported only through other inputs than the one that names the connection.
    NotThroughInput(&'t VersionSupport),
    NeedsVersion(u32),
    NotSupported,
}

impl TaskTable {
    /// The task named `name` (as YAML writes it before the `@`), compared without case because
    /// Azure Pipelines resolves task names that way.
    pub fn by_name(&self, name: &str) -> Option<&TaskSupport> {
        self.tasks.iter().find(|task| task.name.eq_ignore_ascii_case(name))
    }

    /// The task a classic definition names by id and major version. One id can carry two names
    /// (a task renamed at a major version): the name whose rows are closest below `version` wins.
    pub fn by_id(&self, id: Guid, version: Option<u32>) -> Option<&TaskSupport> {
        let mut candidates = self.tasks.iter().filter(|task| task.id == id);
        let first = candidates.next()?;
        let Some(version) = version else { return Some(first) };
        let closest_below =
            |task: &TaskSupport| task.versions.iter().map(|row| row.version).filter(|v| *v <= version).max();
        std::iter::once(first).chain(candidates).max_by_key(|task| closest_below(task))
    }

    /// Number of `task@version` rows, as the published table counts them.
    pub fn row_count(&self) -> usize {
        self.tasks.iter().map(|task| task.versions.len()).sum()
    }
}

impl TaskSupport {
    /// The lowest major version from which every listed version supports federation.
    pub fn minimum_supported_version(&self) -> Option<u32> {
        let mut minimum = None;
        for row in self.versions.iter().rev() {
            if row.support != Support::Yes {
                break;
            }
            minimum = Some(row.version);
        }
        minimum
    }

    /// The verdict for `version` when the connection is given through `input`. A version the
    /// table does not list is judged like its nearest listed neighbour: below the listed ones it
    /// needs the minimum, above them it keeps what the newest listed one does.
    pub fn verdict(&self, version: u32, input: &str) -> Verdict<'_> {
        let row = self.versions.iter().find(|row| row.version == version);
        let Some(row) = row else {
            return match self.minimum_supported_version() {
                Some(minimum) if version >= minimum => self.verdict_of_newest(input),
                Some(minimum) => Verdict::NeedsVersion(minimum),
                None => Verdict::NotSupported,
            };
        };
        Self::verdict_of_row(row, input, self.minimum_supported_version())
    }

    fn verdict_of_newest(&self, input: &str) -> Verdict<'_> {
        match self.versions.last() {
            Some(row) => Self::verdict_of_row(row, input, self.minimum_supported_version()),
            None => Verdict::NotSupported,
        }
    }

    fn verdict_of_row<'t>(row: &'t VersionSupport, input: &str, minimum: Option<u32>) -> Verdict<'t> {
        match row.support {
            Support::Yes if row.accepts_input(input) => Verdict::Supported(row),
            Support::Yes => Verdict::NotThroughInput(row),
            Support::Upgrade => match row.upgrade_to.or(minimum) {
                Some(target) => Verdict::NeedsVersion(target),
                None => Verdict::NotSupported,
            },
            Support::No => Verdict::NotSupported,
        }
    }
}

impl VersionSupport {
    fn accepts_input(&self, input: &str) -> bool {
        self.only_through_inputs.is_empty()
            || self.only_through_inputs.iter().any(|allowed| allowed.eq_ignore_ascii_case(input))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_parses_and_every_upgrade_names_a_supported_version() {
        let table: TableFile = toml::from_str(TABLE_TOML).unwrap();
        for task in &table.task {
            for row in &task.versions {
                if row.support == Support::Upgrade {
                    let target = row.upgrade_to.expect("an upgrade row names its target");
                    let target_row = task.versions.iter().find(|r| r.version == target).unwrap();
                    assert_eq!(target_row.support, Support::Yes, "{}@{}", task.name, row.version);
                }
            }
        }
    }
}
