//! Rebuilds the crate when a migration is added or changed: `sqlx::migrate!` embeds the files
//! of `migrations/` when the crate compiles, and cargo does not watch that folder by itself
//! (a new migration could otherwise be left out of a build until some source file changed).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
