//! The check that a probe's SQL is one read-only statement, done when the config is loaded.
//!
//! The statement must begin with `SELECT`, `VALUES` or `WITH`, be alone (a trailing `;` is allowed),
//! and contain no keyword that writes or changes the connection (`INSERT`, `DELETE`, `PRAGMA`, …)
//! outside string literals, quoted identifiers and comments; `replace(…)` the function is allowed.
//! A column named like such a keyword must be quoted. This is the first guard of two: the
//! connection the probe runs on is read-only as well.

/// Keywords that only a writing or connection-changing statement uses.
const FORBIDDEN: &[&str] = &[
    "INSERT",
    "UPDATE",
    "DELETE",
    "REPLACE",
    "UPSERT",
    "CREATE",
    "DROP",
    "ALTER",
    "ATTACH",
    "DETACH",
    "PRAGMA",
    "VACUUM",
    "REINDEX",
    "ANALYZE",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
];

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Semicolon,
    OpenParen,
    Other,
}

/// `Ok` when `sql` is one read-only statement; otherwise what is wrong with it.
pub(crate) fn check_read_only(sql: &str) -> Result<(), String> {
    let mut tokens = tokenize(sql)?;
    while tokens.last() == Some(&Token::Semicolon) {
        tokens.pop();
    }
    if tokens.contains(&Token::Semicolon) {
        return Err("found more than one statement".to_owned());
    }
    let first = match tokens.first() {
        Some(Token::Word(word)) => word.as_str(),
        Some(_) => return Err("it does not start with a keyword".to_owned()),
        None => return Err("it is empty".to_owned()),
    };
    if !matches!(first, "SELECT" | "VALUES" | "WITH") {
        return Err(format!("it starts with `{first}`; only SELECT, VALUES and WITH are allowed"));
    }
    for (index, token) in tokens.iter().enumerate() {
        let Token::Word(word) = token else { continue };
        let function_call = tokens.get(index + 1) == Some(&Token::OpenParen);
        if FORBIDDEN.contains(&word.as_str()) && !(word == "REPLACE" && function_call) {
            return Err(format!("found `{word}`"));
        }
    }
    Ok(())
}

/// Splits SQL into words (upper-cased) and the punctuation the check needs, dropping string
/// literals, quoted identifiers and comments.
fn tokenize(sql: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                skip_quoted(&mut chars, close)?;
                tokens.push(Token::Other);
            }
            '-' if chars.peek() == Some(&'-') => {
                chars.by_ref().take_while(|&c| c != '\n').for_each(drop);
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut previous = ' ';
                loop {
                    match chars.next() {
                        Some('/') if previous == '*' => break,
                        Some(c) => previous = c,
                        None => return Err("a /* comment is not closed".to_owned()),
                    }
                }
            }
            ';' => tokens.push(Token::Semicolon),
            '(' => tokens.push(Token::OpenParen),
            c if c.is_alphanumeric() || c == '_' || c == '$' => {
                let mut word = c.to_uppercase().collect::<String>();
                while let Some(&next) = chars.peek() {
                    if !(next.is_alphanumeric() || next == '_' || next == '$') {
                        break;
                    }
                    word.extend(next.to_uppercase());
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
            c if c.is_whitespace() => {}
            _ => tokens.push(Token::Other),
        }
    }
    Ok(tokens)
}

/// Skips to the closing quote; a doubled quote inside is an escaped one.
fn skip_quoted(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    close: char,
) -> Result<(), String> {
    loop {
        match chars.next() {
            Some(c) if c == close => {
                if close != ']' && chars.peek() == Some(&close) {
                    chars.next();
                } else {
                    return Ok(());
                }
            }
            Some(_) => {}
            None => return Err(format!("a quoted text or name is not closed (missing `{close}`)")),
        }
    }
}
