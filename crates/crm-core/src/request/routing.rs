//! Routing rules: data, not code. The first enabled rule (by position) whose conditions all
//! hold decides the support line, department, priority, category and holder of a new request.

use super::{Priority, SupportLine};
use crate::channel::Channel;
use crate::customer::{Customer, LifecycleStage};
use crate::id::{DepartmentId, RoutingRuleId, StaffId};
use crate::normalize::{normalize_text, search_tokens};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a department hands a request to one of its members.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assignment {
    /// The request waits in the department's queue until a member takes it.
    #[default]
    Queue,
    /// Members in turn.
    RoundRobin,
    /// The member holding the fewest active requests.
    LeastLoaded,
}

/// What must hold for a rule to apply. Each list, when not empty, needs one of its items to
/// match; empty lists match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingConditions {
    /// The request's channel is one of these.
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// The request's category is one of these (normalised).
    #[serde(default)]
    pub categories: Vec<String>,
    /// One of these words or phrases (normalised, Persian or Latin) appears in the subject or
    /// body as whole words.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The customer has one of these tags (normalised).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The customer is at one of these stages (the customer's tier).
    #[serde(default)]
    pub stages: Vec<LifecycleStage>,
}

/// What a matching rule sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingActions {
    /// Support line.
    #[serde(default)]
    pub line: Option<SupportLine>,
    /// Department (its assignment policy picks the member, unless `holder` is set).
    #[serde(default)]
    pub department: Option<DepartmentId>,
    /// Priority.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Category (normalised).
    #[serde(default)]
    pub category: Option<String>,
    /// A staff member to hold the request.
    #[serde(default)]
    pub holder: Option<StaffId>,
}

/// A routing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRule {
    /// The id.
    pub id: RoutingRuleId,
    /// Optimistic version.
    pub version: u64,
    /// A name for people.
    pub name: String,
    /// Rules are tried by ascending position (then id).
    pub position: u32,
    /// Disabled rules are skipped.
    pub enabled: bool,
    /// When it applies.
    pub conditions: RoutingConditions,
    /// What it does.
    pub actions: RoutingActions,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// What routing looks at.
#[derive(Debug, Clone, Copy)]
pub struct RoutingInput<'a> {
    /// The channel.
    pub channel: Channel,
    /// The category, if known.
    pub category: Option<&'a str>,
    /// Subject and body.
    pub text: &'a str,
    /// The customer, if known.
    pub customer: Option<&'a Customer>,
}

impl RoutingConditions {
    /// Normalises categories, keywords and tags (done when a rule is saved).
    pub fn normalised(mut self) -> Self {
        let norm = |v: &mut Vec<String>| {
            for s in v.iter_mut() {
                *s = normalize_text(s);
            }
            v.retain(|s| !s.is_empty());
        };
        norm(&mut self.categories);
        norm(&mut self.keywords);
        norm(&mut self.tags);
        self
    }

    /// Whether every condition holds for `input`.
    pub fn matches(&self, input: &RoutingInput<'_>) -> bool {
        let any = |list: &[String], f: &dyn Fn(&str) -> bool| {
            list.is_empty() || list.iter().any(|s| f(s))
        };
        let category = input.category.map(normalize_text);
        let words = search_tokens_in_order(input.text);
        (self.channels.is_empty() || self.channels.contains(&input.channel))
            && any(&self.categories, &|c| category.as_deref() == Some(c))
            && any(&self.keywords, &|k| contains_phrase(&words, k))
            && any(&self.tags, &|t| {
                input.customer.is_some_and(|c| c.tags.contains(t))
            })
            && (self.stages.is_empty()
                || input
                    .customer
                    .is_some_and(|c| self.stages.contains(&c.stage)))
    }
}

/// The first enabled rule of `rules` (any order) that matches `input`.
pub fn first_match<'r>(
    rules: &'r [RoutingRule],
    input: &RoutingInput<'_>,
) -> Option<&'r RoutingRule> {
    let mut sorted: Vec<&RoutingRule> = rules.iter().filter(|r| r.enabled).collect();
    sorted.sort_by_key(|r| (r.position, r.id));
    sorted.into_iter().find(|r| r.conditions.matches(input))
}

fn search_tokens_in_order(text: &str) -> Vec<String> {
    normalize_text(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn contains_phrase(words: &[String], phrase: &str) -> bool {
    let wanted = search_tokens(phrase);
    !wanted.is_empty() && words.windows(wanted.len()).any(|w| w == wanted.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(text: &str) -> RoutingInput<'_> {
        RoutingInput {
            channel: Channel::Email,
            category: None,
            text,
            customer: None,
        }
    }

    #[test]
    fn keywords_match_whole_words_in_any_spelling() {
        let c = RoutingConditions {
            keywords: vec!["بازپرداخت".into(), "refund".into()],
            ..Default::default()
        }
        .normalised();
        assert!(c.matches(&input("درخواست بازپرداخت وجه")));
        assert!(c.matches(&input("I want a REFUND now")));
        assert!(!c.matches(&input("refunded already")));
        let c = RoutingConditions {
            keywords: vec!["كارت بانكي".into()],
            ..Default::default()
        }
        .normalised();
        assert!(c.matches(&input("مشکل کارت بانکی من")));
    }

    #[test]
    fn empty_conditions_match_and_channels_narrow() {
        assert!(RoutingConditions::default().matches(&input("anything")));
        let sms = RoutingConditions {
            channels: vec![Channel::Sms],
            ..Default::default()
        };
        assert!(!sms.matches(&input("x")));
    }
}
