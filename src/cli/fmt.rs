//! `entramap fmt`: the canonical form of an expression.

use super::{Failure, expression_text, report};
use crate::expr::error::{Error, Located};
use crate::expr::{print, syntax};

/// Arguments of `entramap fmt`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The expression (`-` reads it from standard input).
    expression: String,
}

pub(super) fn run(args: Args) -> Result<(), Failure> {
    let text = expression_text(&args.expression)?;
    match syntax::parse(&text) {
        Ok(tree) => {
            outln!("{}", print::print(&tree, true));
            Ok(())
        }
        Err(e) => {
            report(Located::error(&Error::from(e), "expression", &text, 0));
            Err(Failure::Input)
        }
    }
}
