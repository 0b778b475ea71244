//! Standard output for the subcommands. Rust ignores `SIGPIPE`, so a reader that
//! stops early (`netzwerk funding poll | head -1`) turns every later write into an
//! error, which `println!` would turn into a panic. [`out!`] passes it on instead,
//! as [`Closed`], and `main` ends the command quietly with the status a shell gives
//! a command stopped by `SIGPIPE`.

use std::io::Write as _;

/// The reader of standard output has gone away.
#[derive(Debug)]
pub struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for Closed {}

/// The exit status for [`Closed`]: 128 + `SIGPIPE`, as a shell reports a command the
/// signal stopped.
pub const CLOSED_STATUS: u8 = 141;

/// Writes one line to standard output.
pub fn line(args: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    text(format_args!("{args}\n"))
}

/// Writes text to standard output as it is.
pub fn text(args: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Closed.into()),
        Err(e) => Err(anyhow::Error::new(e).context("while writing to standard output")),
    }
}

/// Like `println!`, for functions returning `anyhow::Result`: a closed standard
/// output ends the function with [`Closed`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))?
    };
}

pub(crate) use out;
