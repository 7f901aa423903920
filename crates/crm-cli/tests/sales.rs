//! The sales commands on the real binary: pipeline, product, deal, order, goal and
//! `report sales` in its three formats.

#![allow(clippy::unwrap_used)]

mod common;

use common::{ok, run, workspace};

/// The id in the first line `deal <id> ...` (or `order <id> ...`).
fn id_of(out: &str) -> String {
    out.split_whitespace().nth(1).unwrap().to_owned()
}

#[test]
fn a_deal_goes_through_the_stages_and_the_quarter_report_shows_it() {
    let (_tmp, db) = workspace();
    let reza = "reza@acme.example";
    ok(&db, &["pipeline", "add", "New business"]);
    let out = ok(&db, &["pipeline", "list"]);
    assert!(out.contains("negotiation") && out.contains("75%"), "{out}");
    let out = ok(
        &db,
        &[
            "product",
            "add",
            "--sku",
            "CH-1",
            "--name",
            "Office chair",
            "--price",
            "۲۵٬۰۰۰٬۰۰۰",
            "--price-list",
            "Retail",
        ],
    );
    assert!(out.contains("price 25000000 IRR in Retail"), "{out}");
    ok(
        &db,
        &[
            "customer",
            "add",
            "--given-name",
            "Ali",
            "--family-name",
            "Rezaei",
            "--email",
            "ali@example.com",
        ],
    );
    let won = id_of(&ok(
        &db,
        &[
            "--as",
            reza,
            "deal",
            "add",
            "--title",
            "Chairs",
            "--customer",
            "ali@example.com",
            "--amount",
            "250000000",
        ],
    ));
    for stage in ["needs", "proposal", "negotiation"] {
        let out = ok(&db, &["--as", reza, "deal", "move", &won, stage]);
        assert!(out.contains(&format!("open at {stage}")), "{out}");
    }
    // An officer may not work Reza's deal: refused, exit code 1.
    let refused = run(&db, &["--as", "maryam@acme.example", "deal", "win", &won]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    let out = ok(&db, &["--as", reza, "deal", "win", &won]);
    assert!(out.contains("won at negotiation"), "{out}");
    assert!(out.contains("(25000000 toman)"), "{out}");
    let order = ok(&db, &["--as", reza, "order", "from-deal", &won]);
    assert!(
        order.contains("250000000 IRR") && order.contains("paid"),
        "{order}"
    );
    assert_eq!(ok(&db, &["--as", reza, "order", "from-deal", &won]), order);
    let show = ok(&db, &["--as", reza, "deal", "show", &won]);
    assert!(
        show.contains("business hours") && show.contains("proposal"),
        "{show}"
    );

    let lost = id_of(&ok(
        &db,
        &[
            "--as",
            reza,
            "deal",
            "add",
            "--title",
            "Desks",
            "--customer",
            "ali@example.com",
            "--amount",
            "90000000",
        ],
    ));
    // Lost to a competitor needs its name: invalid input, exit code 2, nothing changed.
    let bad = run(
        &db,
        &[
            "--as",
            reza,
            "deal",
            "lose",
            &lost,
            "--reason",
            "competitor",
        ],
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    ok(
        &db,
        &[
            "--as",
            reza,
            "deal",
            "lose",
            &lost,
            "--reason",
            "competitor",
            "--detail",
            "Pars Co",
        ],
    );

    let table = ok(
        &db,
        &[
            "--calendar",
            "jalali",
            "report",
            "sales",
            "--period",
            "1405-Q3",
        ],
    );
    assert!(table.contains("sales report 1405-Q3"), "{table}");
    assert!(table.contains("Pars Co"), "{table}");
    let json = ok(
        &db,
        &[
            "--calendar",
            "jalali",
            "report",
            "sales",
            "--period",
            "1405-Q3",
            "--format",
            "json",
        ],
    );
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["total"]["won"], 1, "{json}");
    assert_eq!(doc["total"]["lost"], 1, "{json}");
    assert_eq!(doc["total"]["won_value"]["IRR"], "250000000", "{json}");
    assert_eq!(doc["competitors"]["Pars Co"], 1, "{json}");
    assert_eq!(doc["calendar"], "jalali");
    let csv = ok(
        &db,
        &[
            "--calendar",
            "jalali",
            "report",
            "sales",
            "--period",
            "1405-Q3",
            "--format",
            "csv",
        ],
    );
    assert!(csv.starts_with("section,key,metric,value\n"), "{csv}");
    assert!(csv.contains("competitor,Pars Co,lost,1"), "{csv}");
    assert!(csv.contains("summary,all,won,1"), "{csv}");
    // The cartable report is still `crm report`.
    let cartable = ok(
        &db,
        &[
            "--as",
            "maryam@acme.example",
            "report",
            "--period",
            "1405-Q3",
        ],
    );
    assert!(cartable.contains("report 1405-Q3"), "{cartable}");

    // A goal and its attainment.
    ok(
        &db,
        &[
            "goal",
            "set",
            "--staff",
            reza,
            "--period",
            "1405-Q3",
            "--metric",
            "won-value",
            "--target",
            "500000000",
        ],
    );
    let goals = ok(&db, &["goal", "list", "--period", "1405-Q3"]);
    assert!(
        goals.contains("Reza Karimi") && goals.contains("50.0%"),
        "{goals}"
    );
    // Reopening keeps the history.
    ok(&db, &["--as", reza, "deal", "reopen", &lost]);
    let show = ok(&db, &["--as", reza, "deal", "show", &lost]);
    assert!(
        show.contains("lost") && show.contains("open at qualification"),
        "{show}"
    );
}

#[test]
fn a_lead_form_is_qualified_converted_and_forecast() {
    let (tmp, db) = workspace();
    let reza = "reza@acme.example";
    ok(&db, &["pipeline", "add", "New business"]);
    let form = tmp.path().join("form.json");
    std::fs::write(
        &form,
        r#"{"submission_id": "f-77", "name": "Nazanin Salehi", "email": "nazanin@example.com",
            "message": "20 chairs, please"}"#,
    )
    .unwrap();
    let form = form.to_str().unwrap();
    let first = ok(&db, &["lead", "form", form, "--campaign", "nowruz-1405"]);
    assert!(
        first.contains("(new)") && first.contains("from web_form"),
        "{first}"
    );
    let again = ok(&db, &["lead", "form", form]);
    assert!(again.contains("(known)"), "{again}");
    assert_eq!(id_of(&first), id_of(&again));
    let lead = id_of(&first);
    let listed = ok(&db, &["lead", "list"]);
    assert!(
        listed.contains("Nazanin Salehi") && listed.contains("nowruz-1405"),
        "{listed}"
    );
    // The form opened no request in the cartable.
    let cartable = ok(
        &db,
        &["--as", "maryam@acme.example", "cartable", "officers"],
    );
    assert!(!cartable.contains("Nazanin"), "{cartable}");
    let bad = run(
        &db,
        &["--as", reza, "lead", "qualify", &lead, "disqualified"],
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let q = ok(&db, &["--as", reza, "lead", "qualify", &lead, "sql"]);
    assert!(q.contains("sales_qualified"), "{q}");
    let out = ok(
        &db,
        &[
            "--as",
            reza,
            "lead",
            "convert",
            &lead,
            "--deal",
            "Chairs",
            "--amount",
            "400000000",
        ],
    );
    assert!(out.contains("Nazanin Salehi (new)"), "{out}");
    let deal = out
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_owned();
    let again = ok(&db, &["--as", reza, "lead", "convert", &lead]);
    assert!(
        again.contains(&format!("deal {deal}")),
        "converting twice: {again}"
    );
    let today = chrono::Utc::now().date_naive().to_string();
    ok(
        &db,
        &["--as", reza, "deal", "set", &deal, "--close", &today],
    );
    ok(&db, &["--as", reza, "deal", "move", &deal, "proposal"]);
    let frozen = ok(&db, &["forecast", "freeze"]);
    assert!(!frozen.starts_with("0 "), "{frozen}");
    assert_eq!(
        ok(&db, &["forecast", "freeze"]),
        "0 forecast snapshots frozen\n"
    );
    let shown = ok(&db, &["forecast", "show", "--owner", reza]);
    assert!(
        shown.contains("400000000") && shown.contains("200000000"),
        "{shown}"
    );
    let accuracy = ok(&db, &["forecast", "accuracy", "--owner", reza]);
    assert!(accuracy.contains("200000000"), "{accuracy}");
}
