//! The expression language of access rules and filters.
//!
//! ```text
//! expr    := and ( "||" and )*
//! and     := unary ( "&&" unary )*
//! unary   := "!" unary | compare
//! compare := operand ( ("==" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "!~") operand )?
//! operand := "(" expr ")" | string | number | true | false | null | path
//! path    := record.<field> | auth.id | auth.role | @request.body.<field>   (rules)
//!          | <field> | record.<field> | auth.id | auth.role                  (filters)
//! ```
//! `~` is "contains" (case-insensitive), `!~` its negation. Parsing gives a position (1-based
//! character column) with every error; [`check`] then refuses unknown fields and comparisons of
//! values of different types, so a saved rule or an accepted filter always compiles.

use super::model::{CollectionSpec, FieldType};

/// Where an expression is written: rules see `record.`, filters may name fields bare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Rule,
    Filter,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Lit(Literal),
    /// A field of the record (system fields included).
    Field(String),
    AuthId,
    AuthRole,
    /// A field of the request body (create and update).
    Body(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    NotContains,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp {
        op: CmpOp,
        left: Operand,
        right: Operand,
        pos: usize,
    },
    /// `field IN (values)` (from the JSON operators `$in`/`$nin`).
    In {
        field: String,
        values: Vec<Literal>,
        negated: bool,
    },
    /// An operand standing alone: a bool field, or a literal.
    Truthy(Operand, usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    /// 1-based character column; 0 when the error is about the whole expression.
    pub pos: usize,
    pub message: String,
}

impl std::fmt::Display for ExprError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.pos == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "at column {}: {}", self.pos, self.message)
        }
    }
}

fn err<T>(pos: usize, message: impl Into<String>) -> Result<T, ExprError> {
    Err(ExprError {
        pos,
        message: message.into(),
    })
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Op(CmpOp),
    Str(String),
    Num(f64),
    Path(String),
}

/// Tokens with their 1-based column.
fn lex(text: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                i += 1;
                continue;
            }
            '(' => out.push((Tok::LParen, pos)),
            ')' => out.push((Tok::RParen, pos)),
            '&' if next == Some('&') => {
                out.push((Tok::And, pos));
                i += 1;
            }
            '|' if next == Some('|') => {
                out.push((Tok::Or, pos));
                i += 1;
            }
            '=' if next == Some('=') => {
                out.push((Tok::Op(CmpOp::Eq), pos));
                i += 1;
            }
            '!' if next == Some('=') => {
                out.push((Tok::Op(CmpOp::Ne), pos));
                i += 1;
            }
            '!' if next == Some('~') => {
                out.push((Tok::Op(CmpOp::NotContains), pos));
                i += 1;
            }
            '!' => out.push((Tok::Not, pos)),
            '~' => out.push((Tok::Op(CmpOp::Contains), pos)),
            '<' if next == Some('=') => {
                out.push((Tok::Op(CmpOp::Le), pos));
                i += 1;
            }
            '<' => out.push((Tok::Op(CmpOp::Lt), pos)),
            '>' if next == Some('=') => {
                out.push((Tok::Op(CmpOp::Ge), pos));
                i += 1;
            }
            '>' => out.push((Tok::Op(CmpOp::Gt), pos)),
            '"' | '\'' => {
                let quote = c;
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return err(pos, "unterminated string"),
                        Some('\\') => {
                            match chars.get(i + 1) {
                                Some('n') => s.push('\n'),
                                Some('t') => s.push('\t'),
                                Some(&e @ ('\\' | '"' | '\'')) => s.push(e),
                                _ => return err(i + 1, "unknown escape in string"),
                            }
                            i += 2;
                        }
                        Some(&ch) if ch == quote => break,
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                out.push((Tok::Str(s), pos));
            }
            '-' | '0'..='9' => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let Ok(n) = text.parse::<f64>() else {
                    return err(pos, format!("'{text}' is not a number"));
                };
                if !n.is_finite() {
                    return err(pos, "number out of range");
                }
                out.push((Tok::Num(n), pos));
                continue;
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == '@' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '.' | '@'))
                {
                    i += 1;
                }
                out.push((Tok::Path(chars[start..i].iter().collect()), pos));
                continue;
            }
            other => return err(pos, format!("unexpected character '{other}'")),
        }
        i += 1;
    }
    Ok(out)
}

/// The largest expression accepted (characters).
pub const MAX_TEXT: usize = 2000;
const MAX_DEPTH: usize = 32;

struct Parser {
    toks: Vec<(Tok, usize)>,
    at: usize,
    end: usize,
    mode: Mode,
    depth: usize,
}

/// Parse `text`; names are resolved but not yet checked against a collection (see [`check`]).
pub fn parse(text: &str, mode: Mode) -> Result<Expr, ExprError> {
    if text.len() > MAX_TEXT {
        return err(0, format!("longer than {MAX_TEXT} characters"));
    }
    let toks = lex(text)?;
    if toks.is_empty() {
        return err(1, "empty expression");
    }
    let mut p = Parser {
        toks,
        at: 0,
        end: text.chars().count() + 1,
        mode,
        depth: 0,
    };
    let expr = p.or()?;
    if let Some((tok, pos)) = p.toks.get(p.at) {
        return err(*pos, format!("unexpected {}", describe(tok)));
    }
    Ok(expr)
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::And => "'&&'".into(),
        Tok::Or => "'||'".into(),
        Tok::Not => "'!'".into(),
        Tok::Op(_) => "an operator".into(),
        Tok::Str(_) => "a string".into(),
        Tok::Num(_) => "a number".into(),
        Tok::Path(p) => format!("'{p}'"),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(t, _)| t)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.at).map(|(_, p)| *p).unwrap_or(self.end)
    }

    fn nest(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err(self.pos(), "nested too deeply");
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.at += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.unary()?;
        while self.peek() == Some(&Tok::And) {
            self.at += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.peek() == Some(&Tok::Not) {
            self.at += 1;
            self.nest()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr, ExprError> {
        if self.peek() == Some(&Tok::LParen) {
            // A parenthesised expression, which may not be compared further.
            self.at += 1;
            self.nest()?;
            let inner = self.or()?;
            self.depth -= 1;
            if self.peek() != Some(&Tok::RParen) {
                return err(self.pos(), "expected ')'");
            }
            self.at += 1;
            return Ok(inner);
        }
        let start = self.pos();
        let left = self.operand()?;
        if let Some(Tok::Op(op)) = self.peek().cloned() {
            let pos = self.pos();
            self.at += 1;
            let right = self.operand()?;
            return Ok(Expr::Cmp {
                op,
                left,
                right,
                pos,
            });
        }
        Ok(Expr::Truthy(left, start))
    }

    fn operand(&mut self) -> Result<Operand, ExprError> {
        let pos = self.pos();
        let Some((tok, _)) = self.toks.get(self.at).cloned() else {
            return err(pos, "expected a value or a field");
        };
        self.at += 1;
        match tok {
            Tok::Str(s) => Ok(Operand::Lit(Literal::Str(s))),
            Tok::Num(n) => Ok(Operand::Lit(Literal::Num(n))),
            Tok::Path(path) => self.path(&path, pos),
            other => err(
                pos,
                format!("expected a value or a field, found {}", describe(&other)),
            ),
        }
    }

    fn path(&self, path: &str, pos: usize) -> Result<Operand, ExprError> {
        match path {
            "true" => return Ok(Operand::Lit(Literal::Bool(true))),
            "false" => return Ok(Operand::Lit(Literal::Bool(false))),
            "null" => return Ok(Operand::Lit(Literal::Null)),
            "auth.id" => return Ok(Operand::AuthId),
            "auth.role" => return Ok(Operand::AuthRole),
            _ => {}
        }
        if let Some(field) = path.strip_prefix("record.") {
            return Ok(Operand::Field(field.to_string()));
        }
        if let Some(field) = path.strip_prefix("@request.body.") {
            if self.mode == Mode::Rule {
                return Ok(Operand::Body(field.to_string()));
            }
            return err(pos, "@request.body is only known to rules");
        }
        if path.starts_with("auth.") {
            return err(pos, format!("unknown '{path}' (auth.id or auth.role)"));
        }
        match self.mode {
            Mode::Filter if !path.contains(['.', '@']) => Ok(Operand::Field(path.to_string())),
            Mode::Filter => err(pos, format!("unknown name '{path}'")),
            Mode::Rule => err(
                pos,
                format!(
                    "unknown name '{path}' (record.<field>, auth.id, auth.role or @request.body.<field>)"
                ),
            ),
        }
    }
}

/// The type of an operand, for [`check`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Num,
    Text,
    Date,
    /// A number that is an id (relation fields, `id`, `auth.id`).
    Id,
}

impl Kind {
    pub fn of(field_type: FieldType) -> Option<Kind> {
        match field_type {
            FieldType::Text | FieldType::File => Some(Kind::Text),
            FieldType::Number => Some(Kind::Num),
            FieldType::Bool => Some(Kind::Bool),
            FieldType::Date => Some(Kind::Date),
            FieldType::Relation => Some(Kind::Id),
            FieldType::Json => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a bool",
            Kind::Num => "a number",
            Kind::Text => "text",
            Kind::Date => "a date",
            Kind::Id => "an id",
        }
    }
}

/// The kind of a record field by name, system fields included; None when unknown.
pub fn field_kind(spec: &CollectionSpec, name: &str) -> Result<Option<Kind>, String> {
    match name {
        "id" => return Ok(Some(Kind::Id)),
        "created_at" | "updated_at" => return Ok(Some(Kind::Date)),
        _ => {}
    }
    match spec.field(name) {
        None => Ok(None),
        Some(f) => Kind::of(f.field_type)
            .map(Some)
            .ok_or_else(|| format!("'{name}' is a json field and cannot be compared")),
    }
}

/// What [`check`] found: how many comparisons, and which record fields are named.
#[derive(Debug, Default)]
pub struct Summary {
    pub comparisons: usize,
    pub fields: Vec<String>,
}

/// Check names and types against `spec`.
pub fn check(expr: &Expr, spec: &CollectionSpec) -> Result<Summary, ExprError> {
    let mut summary = Summary::default();
    check_into(expr, spec, &mut summary)?;
    Ok(summary)
}

fn check_into(expr: &Expr, spec: &CollectionSpec, out: &mut Summary) -> Result<(), ExprError> {
    match expr {
        Expr::Or(a, b) | Expr::And(a, b) => {
            check_into(a, spec, out)?;
            check_into(b, spec, out)
        }
        Expr::Not(a) => check_into(a, spec, out),
        Expr::Truthy(operand, pos) => {
            out.comparisons += 1;
            match operand_kind(operand, spec, *pos, out)? {
                Kind::Bool | Kind::Null => Ok(()),
                other => err(
                    *pos,
                    format!("{} is not a condition; compare it", other.name()),
                ),
            }
        }
        Expr::In { field, values, .. } => {
            out.comparisons += 1;
            let kind = operand_kind(&Operand::Field(field.clone()), spec, 0, out)?;
            for value in values {
                let lit = literal_kind(value);
                if !compatible(kind, lit) || lit == Kind::Null {
                    return err(
                        0,
                        format!(
                            "'{field}' is {}; the list holds {}",
                            kind.name(),
                            lit.name()
                        ),
                    );
                }
            }
            Ok(())
        }
        Expr::Cmp {
            op,
            left,
            right,
            pos,
        } => {
            out.comparisons += 1;
            let l = operand_kind(left, spec, *pos, out)?;
            let r = operand_kind(right, spec, *pos, out)?;
            if !compatible(l, r) {
                return err(
                    *pos,
                    format!("cannot compare {} with {}", l.name(), r.name()),
                );
            }
            // A text literal compared with a date must be a date.
            for (operand, other) in [(left, r), (right, l)] {
                if other == Kind::Date {
                    if let Operand::Lit(Literal::Str(s)) = operand {
                        if chrono::DateTime::parse_from_rfc3339(s).is_err() {
                            return err(*pos, format!("'{s}' is not an RFC 3339 date"));
                        }
                    }
                }
            }
            if matches!(op, CmpOp::Contains | CmpOp::NotContains)
                && matches!(right, Operand::Field(_))
            {
                return err(*pos, "~ and !~ need a value on the right");
            }
            let nullish = l == Kind::Null || r == Kind::Null;
            match op {
                CmpOp::Eq | CmpOp::Ne => Ok(()),
                _ if nullish => err(*pos, "null can only be compared with == or !="),
                CmpOp::Contains | CmpOp::NotContains if l != Kind::Text || r != Kind::Text => {
                    err(*pos, "~ and !~ compare text")
                }
                CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge if l == Kind::Bool => {
                    err(*pos, "bools can only be compared with == or !=")
                }
                _ => Ok(()),
            }
        }
    }
}

fn literal_kind(lit: &Literal) -> Kind {
    match lit {
        Literal::Null => Kind::Null,
        Literal::Bool(_) => Kind::Bool,
        Literal::Num(_) => Kind::Num,
        Literal::Str(_) => Kind::Text,
    }
}

/// Text literals compare with dates (parsed); numbers with ids; null with anything.
fn compatible(a: Kind, b: Kind) -> bool {
    use Kind::*;
    a == b
        || a == Null
        || b == Null
        || matches!((a, b), (Date, Text) | (Text, Date) | (Num, Id) | (Id, Num))
}

fn operand_kind(
    operand: &Operand,
    spec: &CollectionSpec,
    pos: usize,
    out: &mut Summary,
) -> Result<Kind, ExprError> {
    match operand {
        Operand::Lit(lit) => Ok(literal_kind(lit)),
        Operand::AuthId => Ok(Kind::Id),
        Operand::AuthRole => Ok(Kind::Text),
        Operand::Field(name) => match field_kind(spec, name) {
            Ok(Some(kind)) => {
                if !out.fields.contains(name) {
                    out.fields.push(name.clone());
                }
                Ok(kind)
            }
            Ok(None) => err(pos, format!("unknown field '{name}'")),
            Err(message) => err(pos, message),
        },
        Operand::Body(name) => match field_kind(spec, name) {
            Ok(Some(kind)) if !matches!(name.as_str(), "id" | "created_at" | "updated_at") => {
                Ok(kind)
            }
            Ok(_) => err(pos, format!("unknown body field '{name}'")),
            Err(message) => err(pos, message),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collections::model::{FieldDef, Rules};

    fn spec() -> CollectionSpec {
        let field = |name: &str, t: FieldType| FieldDef {
            name: name.into(),
            field_type: t,
            required: false,
            unique: false,
            default: None,
            max_length: None,
            target: None,
        };
        CollectionSpec {
            name: "todos".into(),
            fields: vec![
                field("title", FieldType::Text),
                field("done", FieldType::Bool),
                field("price", FieldType::Number),
                field("owner", FieldType::Relation),
                field("due", FieldType::Date),
                field("meta", FieldType::Json),
            ],
            indexes: vec![],
            owner_field: None,
            rules: Rules::default(),
            scan_limit: None,
        }
    }

    fn ok(text: &str, mode: Mode) -> Expr {
        let expr = parse(text, mode).unwrap_or_else(|e| panic!("{text}: {e}"));
        check(&expr, &spec()).unwrap_or_else(|e| panic!("{text}: {e}"));
        expr
    }

    fn fails(text: &str, mode: Mode) -> ExprError {
        match parse(text, mode) {
            Err(e) => e,
            Ok(expr) => check(&expr, &spec()).expect_err(text),
        }
    }

    #[test]
    fn precedence_and_parentheses() {
        ok("price == 1 || done && !done", Mode::Filter);
        let e = parse("true || false && false", Mode::Rule).unwrap();
        assert!(matches!(e, Expr::Or(_, _)));
        let e = parse("(true || false) && false", Mode::Rule).unwrap();
        assert!(matches!(e, Expr::And(_, _)));
    }

    #[test]
    fn rules_name_record_auth_and_body() {
        ok("record.owner == auth.id", Mode::Rule);
        ok("auth.role == \"admin\" || record.done", Mode::Rule);
        ok("@request.body.price < 100 && auth.id != null", Mode::Rule);
        ok("record.due > '2026-01-01T00:00:00Z'", Mode::Rule);
        ok("!(record.title ~ 'spam')", Mode::Rule);
        ok("record.title == 'it\\'s'", Mode::Rule);
        ok("record.price >= -1.5", Mode::Rule);
    }

    #[test]
    fn filters_name_fields_bare() {
        ok("title ~ 'milk' && price <= 3", Mode::Filter);
        ok("owner == auth.id", Mode::Filter);
        ok(
            "created_at > \"2026-01-01T00:00:00Z\" && id > 10",
            Mode::Filter,
        );
        assert!(fails("@request.body.title == 'x'", Mode::Filter)
            .message
            .contains("only known to rules"));
    }

    #[test]
    fn errors_carry_the_position() {
        let e = fails("record.title == ", Mode::Rule);
        assert_eq!(e.pos, 17, "{e}");
        let e = fails("record.title === 'x'", Mode::Rule);
        assert_eq!(e.pos, 16, "{e}");
        let e = fails("record.nope == 1", Mode::Rule);
        assert_eq!(e.pos, 13);
        assert!(e.message.contains("unknown field 'nope'"));
        let e = fails("title == 1", Mode::Rule);
        assert_eq!(e.pos, 1);
        let e = fails("(record.done", Mode::Rule);
        assert!(e.message.contains("expected ')'"), "{e}");
        let e = fails("record.title == 'open", Mode::Rule);
        assert_eq!(e.pos, 17);
        let e = fails("record.done ; drop table users", Mode::Rule);
        assert_eq!(e.pos, 13);
        let e = fails("", Mode::Rule);
        assert_eq!(e.pos, 1);
    }

    #[test]
    fn types_must_agree() {
        assert!(fails("record.price == 'x'", Mode::Rule)
            .message
            .contains("cannot compare"));
        assert!(fails("record.done > true", Mode::Rule)
            .message
            .contains("bools"));
        assert!(fails("record.due ~ '2026-01-01T00:00:00Z'", Mode::Rule)
            .message
            .contains("~"));
        assert!(fails("record.title ~ record.title", Mode::Rule)
            .message
            .contains("value on the right"));
        assert!(fails("record.meta == 1", Mode::Rule)
            .message
            .contains("json"));
        assert!(fails("record.price", Mode::Rule)
            .message
            .contains("not a condition"));
        assert!(fails("record.due > 'tomorrow'", Mode::Rule)
            .message
            .contains("RFC 3339"));
        assert!(fails("record.price < null", Mode::Rule)
            .message
            .contains("null"));
        assert!(fails("auth.name == 'x'", Mode::Rule)
            .message
            .contains("auth.id"));
    }

    #[test]
    fn depth_and_length_are_bounded() {
        let deep = format!("{}true{}", "(".repeat(100), ")".repeat(100));
        assert!(fails(&deep, Mode::Rule).message.contains("deeply"));
        let long = "true || ".repeat(400) + "true";
        assert!(fails(&long, Mode::Rule).message.contains("longer"));
    }
}
