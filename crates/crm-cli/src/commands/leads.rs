//! `crm lead ...`: capturing leads (by hand or from a web lead form), qualifying and
//! converting them.

use super::pipelines::pipeline;
use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{safe, table};
use clap::{Args, Subcommand, ValueEnum};
use crm::customer::ContactKind;
use crm::id::LeadId;
use crm::sales::{Lead, LeadSource, LeadStatus, Money, QualificationLevel, SourceKind};
use crm::service::{ConvertLead, LeadDeal, NewLead, WebForm};
use crm::store::PageRequest;
use std::path::PathBuf;
use std::process::ExitCode;

/// `crm lead`.
#[derive(Debug, Subcommand)]
pub(crate) enum LeadCommand {
    /// Add a lead by hand.
    Add(LeadAddArgs),
    /// Take in a web lead form (JSON, as `crm intake --web-form`): no request is opened.
    ///
    /// Without --as, taken in by the system component `crm-cli lead-form`.
    Form(LeadFormArgs),
    /// Qualify or disqualify a lead.
    Qualify(LeadQualifyArgs),
    /// Convert a lead into a customer (joining one with the same contacts) and maybe a deal.
    Convert(LeadConvertArgs),
    /// Leads with a status.
    List(LeadListArgs),
}

/// Where leads come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SourceArg {
    /// A web lead form.
    WebForm,
    /// A campaign.
    Campaign,
    /// A referral.
    Referral,
    /// An import.
    Import,
    /// A channel message.
    Channel,
    /// By hand.
    Manual,
}

impl From<SourceArg> for SourceKind {
    fn from(s: SourceArg) -> Self {
        match s {
            SourceArg::WebForm => SourceKind::WebForm,
            SourceArg::Campaign => SourceKind::Campaign,
            SourceArg::Referral => SourceKind::Referral,
            SourceArg::Import => SourceKind::Import,
            SourceArg::Channel => SourceKind::Channel,
            SourceArg::Manual => SourceKind::Manual,
        }
    }
}

/// Where a lead came from, as flags.
#[derive(Debug, Args)]
pub(crate) struct SourceArgs {
    /// The kind of source.
    #[arg(long, value_enum, default_value_t = SourceArg::Manual)]
    source: SourceArg,
    /// The campaign.
    #[arg(long)]
    campaign: Option<String>,
    /// The medium.
    #[arg(long)]
    medium: Option<String>,
}

impl SourceArgs {
    fn source(&self) -> LeadSource {
        let mut s = LeadSource::of(self.source.into());
        s.campaign = self.campaign.clone();
        s.medium = self.medium.clone();
        s
    }
}

/// `crm lead add`.
#[derive(Debug, Args)]
pub(crate) struct LeadAddArgs {
    /// The person's name.
    #[arg(long)]
    name: String,
    /// Email.
    #[arg(long)]
    email: Option<String>,
    /// Mobile number.
    #[arg(long)]
    mobile: Option<String>,
    /// The company.
    #[arg(long)]
    company: Option<String>,
    #[command(flatten)]
    source: SourceArgs,
}

/// `crm lead form`.
#[derive(Debug, Args)]
pub(crate) struct LeadFormArgs {
    /// The form's JSON file (submission_id, name, email, phone, subject, message, ...).
    file: PathBuf,
    /// The campaign.
    #[arg(long)]
    campaign: Option<String>,
    /// The medium.
    #[arg(long)]
    medium: Option<String>,
}

/// Qualification decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LevelArg {
    /// Marketing-qualified.
    Mql,
    /// Sales-qualified.
    Sql,
    /// Not a prospect (needs --reason).
    Disqualified,
}

/// `crm lead qualify`.
#[derive(Debug, Args)]
pub(crate) struct LeadQualifyArgs {
    /// The lead's id.
    id: String,
    /// The decision.
    #[arg(value_enum)]
    level: LevelArg,
    /// Why (required to disqualify).
    #[arg(long)]
    reason: Option<String>,
}

/// `crm lead convert`.
#[derive(Debug, Args)]
pub(crate) struct LeadConvertArgs {
    /// The lead's id.
    id: String,
    /// Open a deal with this title too.
    #[arg(long, requires = "amount")]
    deal: Option<String>,
    /// The deal's amount.
    #[arg(long)]
    amount: Option<String>,
    /// Its currency.
    #[arg(long, default_value = "IRR")]
    currency: String,
    /// The deal's pipeline [default: the only one].
    #[arg(long)]
    pipeline: Option<String>,
}

/// `crm lead list`.
#[derive(Debug, Args)]
pub(crate) struct LeadListArgs {
    /// The status: new, marketing_qualified, sales_qualified, disqualified, converted.
    #[arg(long, default_value = "new")]
    status: String,
    /// Print the records as JSON.
    #[arg(long)]
    json: bool,
}

fn lead_id(text: &str) -> CliResult<LeadId> {
    text.trim()
        .parse()
        .map_err(|_| CliError::invalid(format!("{text:?} is not a lead id")))
}

fn summary(l: &Lead) -> String {
    format!(
        "lead {} {} — {} from {}",
        l.id,
        safe(&l.name),
        l.status.as_str(),
        l.source.kind.as_str()
    )
}

/// Runs `crm lead ...`.
///
/// # Errors
/// Invalid input for bad ids, files or values; the library's errors.
pub(crate) async fn run(ctx: &Ctx, c: LeadCommand) -> CliResult<ExitCode> {
    match c {
        LeadCommand::Add(a) => {
            let session = ctx.session().await?;
            let mut new = NewLead::new(&a.name, a.source.source());
            new.company = a.company;
            if let Some(e) = &a.email {
                new = new.contact(ContactKind::Email, e);
            }
            if let Some(m) = &a.mobile {
                new = new.contact(ContactKind::Mobile, m);
            }
            println!("{}", summary(&session.create_lead(new).await?));
        }
        LeadCommand::Form(a) => {
            let session = ctx.session_or_system("crm-cli lead-form").await?;
            let text = std::fs::read(&a.file)
                .map_err(|e| CliError::invalid(format!("cannot read {}: {e}", a.file.display())))?;
            let form: WebForm = serde_json::from_slice(&text).map_err(|e| {
                CliError::invalid(format!("{}: not a web form payload: {e}", a.file.display()))
            })?;
            let mut source = LeadSource::of(SourceKind::WebForm);
            source.campaign = a.campaign;
            source.medium = a.medium;
            let capture = session.capture_lead_form(form, source).await?;
            let how = if capture.created { "new" } else { "known" };
            println!("{} ({how})", summary(&capture.lead));
        }
        LeadCommand::Qualify(a) => {
            let session = ctx.session().await?;
            let level = match a.level {
                LevelArg::Mql => QualificationLevel::MarketingQualified,
                LevelArg::Sql => QualificationLevel::SalesQualified,
                LevelArg::Disqualified => QualificationLevel::Disqualified,
            };
            let lead = session
                .qualify_lead(lead_id(&a.id)?, None, level, a.reason.as_deref())
                .await?;
            println!("{}", summary(&lead));
        }
        LeadCommand::Convert(a) => {
            let session = ctx.session().await?;
            let deal = match (&a.deal, &a.amount) {
                (Some(title), Some(amount)) => Some(LeadDeal {
                    title: title.clone(),
                    pipeline: pipeline(&session, a.pipeline.as_deref()).await?.id,
                    amount: Money::parse(amount, &a.currency)?,
                    stage: None,
                    expected_close: None,
                }),
                _ => None,
            };
            let out = session
                .convert_lead(lead_id(&a.id)?, ConvertLead { deal, owner: None })
                .await?;
            println!(
                "customer {} {} ({}){}",
                out.customer.id,
                safe(&out.customer.display_name()),
                if out.joined_existing {
                    "existing"
                } else {
                    "new"
                },
                out.deal
                    .as_ref()
                    .map(|d| format!("\ndeal {} {}", d.id, safe(&d.title)))
                    .unwrap_or_default()
            );
        }
        LeadCommand::List(a) => {
            let session = ctx.session().await?;
            let status = [
                LeadStatus::New,
                LeadStatus::MarketingQualified,
                LeadStatus::SalesQualified,
                LeadStatus::Disqualified,
                LeadStatus::Converted,
            ]
            .into_iter()
            .find(|s| s.as_str() == a.status.trim())
            .ok_or_else(|| CliError::invalid(format!("--status {:?}: unknown", a.status)))?;
            let page = session
                .leads(status, &PageRequest::first(crm::store::MAX_PAGE))
                .await?;
            if a.json {
                return crate::commands::cartable::print_json(&page.items);
            }
            let mut t = table(["id", "name", "source", "campaign", "created"]);
            for l in &page.items {
                t.add_row([
                    l.id.to_string(),
                    safe(&l.name),
                    l.source.kind.as_str().to_owned(),
                    safe(l.source.campaign.as_deref().unwrap_or("-")),
                    ctx.dates.datetime(l.created_at),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
