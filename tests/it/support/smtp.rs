//! A small SMTP server for the tests (RFC 5321, plain TCP on 127.0.0.1): greeting, EHLO/HELO,
//! optional AUTH PLAIN/LOGIN, MAIL FROM, RCPT TO, DATA with dot-stuffing, RSET, NOOP, QUIT. It
//! keeps every message it accepts (envelope and raw data) and can be told to refuse recipients
//! or data, or to stall, so tests see unid hold a real conversation with a mail server.
//!
//! [`Received`] also reads a message back the way a mail client would: unfolded headers,
//! RFC 2047 encoded words, `multipart/alternative` parts in base64 or quoted-printable.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Where the server stops answering, to make the client wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stall {
    /// Accepts the connection but never greets.
    Greeting,
    /// Never answers the `DATA` command.
    Data,
}

/// How the server behaves for connections accepted from now on.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// When set, AUTH is advertised (PLAIN and LOGIN) and required before MAIL.
    pub credentials: Option<(String, String)>,
    /// A reply to every RCPT TO instead of `250`, e.g. `550 5.1.1 No such user`.
    pub rcpt_reply: Option<String>,
    /// A reply after the message data instead of `250`, e.g. `451 4.3.0 Try again later`.
    pub data_reply: Option<String>,
    pub stall: Option<Stall>,
}

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message as sent after DATA, dot-stuffing removed, without the final `.` line.
    pub data: String,
    /// The user name the client authenticated as, if it did.
    pub user: Option<String>,
}

struct Shared {
    inbox: Mutex<Vec<Received>>,
    behaviour: Mutex<Behaviour>,
    connections: AtomicUsize,
}

pub struct SmtpServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        SmtpServer::start_with(Behaviour::default()).await
    }

    pub async fn start_with(behaviour: Behaviour) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP");
        let addr = listener.local_addr().expect("SMTP addr");
        let shared = Arc::new(Shared {
            inbox: Mutex::default(),
            behaviour: Mutex::new(behaviour),
            connections: AtomicUsize::new(0),
        });
        let server = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                server.connections.fetch_add(1, Ordering::SeqCst);
                let behaviour = server.behaviour.lock().unwrap().clone();
                let session = server.clone();
                tokio::spawn(async move {
                    // A client that hangs up mid-conversation is not the server's problem.
                    let _ = serve(stream, behaviour, &session).await;
                });
            }
        });
        SmtpServer { addr, shared }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Changes the behaviour for new connections.
    pub fn behave(&self, behaviour: Behaviour) {
        *self.shared.behaviour.lock().unwrap() = behaviour;
    }

    pub fn messages(&self) -> Vec<Received> {
        self.shared.inbox.lock().unwrap().clone()
    }

    /// The newest message; panics when none arrived.
    pub fn last(&self) -> Received {
        self.messages()
            .pop()
            .expect("the SMTP server received a message")
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

async fn reply(out: &mut (impl AsyncWriteExt + Unpin), line: &str) -> std::io::Result<()> {
    out.write_all(line.as_bytes()).await?;
    out.write_all(b"\r\n").await?;
    out.flush().await
}

/// The address inside `<…>` of a MAIL FROM / RCPT TO argument (parameters after it ignored).
fn path_of(arg: &str) -> Option<String> {
    let start = arg.find('<')?;
    let end = start + arg[start..].find('>')?;
    Some(arg[start + 1..end].to_string())
}

fn b64_text(s: &str) -> Option<String> {
    BASE64
        .decode(s.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

/// Envelope of the transaction in progress.
#[derive(Default)]
struct Transaction {
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

async fn serve(stream: TcpStream, behaviour: Behaviour, shared: &Shared) -> std::io::Result<()> {
    let stall = || tokio::time::sleep(Duration::from_secs(30));
    if behaviour.stall == Some(Stall::Greeting) {
        stall().await;
        return Ok(());
    }
    let (read, mut out) = stream.into_split();
    let mut lines = BufReader::new(read);
    reply(&mut out, "220 unid-test ESMTP ready").await?;
    let mut tx = Transaction::default();
    let mut user: Option<String> = None;
    loop {
        let mut raw = Vec::new();
        if lines.read_until(b'\n', &mut raw).await? == 0 {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&raw).trim_end().to_string();
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.trim().to_string()),
            None => (line.to_ascii_uppercase(), String::new()),
        };
        match verb.as_str() {
            "EHLO" => {
                let mut caps = vec!["unid-test", "8BITMIME", "SMTPUTF8"];
                if behaviour.credentials.is_some() {
                    caps.push("AUTH PLAIN LOGIN");
                }
                caps.push("HELP");
                let last = caps.len() - 1;
                for (i, cap) in caps.iter().enumerate() {
                    let sep = if i == last { ' ' } else { '-' };
                    reply(&mut out, &format!("250{sep}{cap}")).await?;
                }
            }
            "HELO" => reply(&mut out, "250 unid-test").await?,
            "AUTH" => {
                let Some((name, pass)) = &behaviour.credentials else {
                    reply(&mut out, "502 5.5.1 AUTH not available").await?;
                    continue;
                };
                let (mechanism, initial) = match arg.split_once(' ') {
                    Some((m, i)) => (m.to_ascii_uppercase(), Some(i.to_string())),
                    None => (arg.to_ascii_uppercase(), None),
                };
                let mut next = async |prompt: &str| -> std::io::Result<String> {
                    reply(&mut out, prompt).await?;
                    let mut raw = Vec::new();
                    lines.read_until(b'\n', &mut raw).await?;
                    Ok(String::from_utf8_lossy(&raw).trim().to_string())
                };
                let given = match mechanism.as_str() {
                    "PLAIN" => {
                        let blob = match initial {
                            Some(b) => b,
                            None => next("334 ").await?,
                        };
                        b64_text(&blob).and_then(|t| {
                            let mut parts = t.split('\0');
                            let _authzid = parts.next()?;
                            Some((parts.next()?.to_string(), parts.next()?.to_string()))
                        })
                    }
                    "LOGIN" => {
                        let u = match initial {
                            Some(u) => u,
                            None => next("334 VXNlcm5hbWU6").await?,
                        };
                        let p = next("334 UGFzc3dvcmQ6").await?;
                        b64_text(&u).zip(b64_text(&p))
                    }
                    _ => {
                        reply(&mut out, "504 5.5.4 Unrecognized authentication type").await?;
                        continue;
                    }
                };
                if given.as_ref() == Some(&(name.clone(), pass.clone())) {
                    user = Some(name.clone());
                    reply(&mut out, "235 2.7.0 Authentication successful").await?;
                } else {
                    reply(&mut out, "535 5.7.8 Authentication credentials invalid").await?;
                }
            }
            "MAIL" => {
                if behaviour.credentials.is_some() && user.is_none() {
                    reply(&mut out, "530 5.7.0 Authentication required").await?;
                } else if let Some(from) = path_of(&arg) {
                    tx = Transaction {
                        mail_from: Some(from),
                        rcpt_to: Vec::new(),
                    };
                    reply(&mut out, "250 2.1.0 OK").await?;
                } else {
                    reply(&mut out, "501 5.5.4 Syntax: MAIL FROM:<address>").await?;
                }
            }
            "RCPT" => {
                if tx.mail_from.is_none() {
                    reply(&mut out, "503 5.5.1 MAIL first").await?;
                } else if let Some(refusal) = &behaviour.rcpt_reply {
                    reply(&mut out, refusal).await?;
                } else if let Some(to) = path_of(&arg) {
                    tx.rcpt_to.push(to);
                    reply(&mut out, "250 2.1.5 OK").await?;
                } else {
                    reply(&mut out, "501 5.5.4 Syntax: RCPT TO:<address>").await?;
                }
            }
            "DATA" => {
                if tx.rcpt_to.is_empty() {
                    reply(&mut out, "503 5.5.1 RCPT first").await?;
                    continue;
                }
                if behaviour.stall == Some(Stall::Data) {
                    stall().await;
                    return Ok(());
                }
                reply(&mut out, "354 End data with <CR><LF>.<CR><LF>").await?;
                let mut data = Vec::new();
                loop {
                    let mut raw = Vec::new();
                    if lines.read_until(b'\n', &mut raw).await? == 0 {
                        return Ok(());
                    }
                    if raw == b".\r\n" || raw == b".\n" {
                        break;
                    }
                    // Dot-stuffing (RFC 5321 §4.5.2): a leading dot was doubled by the client.
                    let line = if raw.starts_with(b"..") {
                        &raw[1..]
                    } else {
                        &raw[..]
                    };
                    data.extend_from_slice(line);
                }
                if let Some(refusal) = &behaviour.data_reply {
                    reply(&mut out, refusal).await?;
                } else {
                    let t = std::mem::take(&mut tx);
                    shared.inbox.lock().unwrap().push(Received {
                        mail_from: t.mail_from.unwrap_or_default(),
                        rcpt_to: t.rcpt_to,
                        data: String::from_utf8_lossy(&data).into_owned(),
                        user: user.clone(),
                    });
                    reply(&mut out, "250 2.0.0 OK queued").await?;
                }
            }
            "RSET" => {
                tx = Transaction::default();
                reply(&mut out, "250 2.0.0 OK").await?;
            }
            "NOOP" => reply(&mut out, "250 2.0.0 OK").await?,
            "QUIT" => {
                reply(&mut out, "221 2.0.0 Bye").await?;
                return Ok(());
            }
            _ => reply(&mut out, "500 5.5.2 Command not recognized").await?,
        }
    }
}

// ---- reading a message back -------------------------------------------------------------

/// Headers (unfolded, names lower-cased) and body of a MIME entity.
fn split_entity(raw: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .or_else(|| raw.split_once("\n\n"))
        .unwrap_or((raw, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    (headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A parameter of a structured header value (`boundary="…"`).
fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Quoted-printable (RFC 2045 §6.7), also the `Q` encoding's `=XX` escapes.
pub fn decode_quoted_printable(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let rest = &bytes[i + 1..];
            if rest.starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if rest.starts_with(b"\n") {
                i += 2;
                continue;
            }
            if rest.len() >= 2
                && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=` / `?q?`); whitespace between two of them is dropped.
pub fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        if !(after_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        // `=?charset?encoding?text?=`
        let word = &rest[start + 2..];
        let decoded = word.split_once('?').and_then(|(_charset, tail)| {
            let (encoding, tail) = tail.split_once('?')?;
            let end = tail.find("?=")?;
            let text = &tail[..end];
            let bytes = match encoding.to_ascii_uppercase().as_str() {
                "B" => BASE64.decode(text).ok()?,
                "Q" => decode_quoted_printable(&text.replace('_', " ")),
                _ => return None,
            };
            let rest_after = &tail[end + 2..];
            Some((String::from_utf8_lossy(&bytes).into_owned(), rest_after))
        });
        match decoded {
            Some((text, rest_after)) => {
                out.push_str(&text);
                rest = rest_after;
                after_word = true;
            }
            None => {
                out.push_str("=?");
                rest = word;
                after_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_body(headers: &[(String, String)], body: &str) -> String {
    let encoding = header(headers, "content-transfer-encoding")
        .unwrap_or("7bit")
        .to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "base64" => {
            let compact: String = body.split_whitespace().collect();
            BASE64.decode(compact).expect("valid base64 body")
        }
        "quoted-printable" => decode_quoted_printable(body),
        _ => body.as_bytes().to_vec(),
    };
    // As a mail client shows it: with the line ends of the reader's platform.
    String::from_utf8(bytes)
        .expect("UTF-8 body")
        .replace("\r\n", "\n")
}

impl Received {
    /// A header, unfolded, with encoded words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let (headers, _) = split_entity(&self.data);
        header(&headers, name).map(decode_words)
    }

    pub fn subject(&self) -> String {
        self.header("subject").expect("a Subject header")
    }

    /// The decoded body of the part whose content type starts with `mime` (`text/plain`…).
    pub fn part(&self, mime: &str) -> Option<String> {
        let (headers, body) = split_entity(&self.data);
        let content_type = header(&headers, "content-type").unwrap_or("text/plain");
        if !content_type.to_ascii_lowercase().starts_with("multipart/") {
            return content_type
                .to_ascii_lowercase()
                .starts_with(mime)
                .then(|| decode_body(&headers, body));
        }
        let boundary = param(content_type, "boundary").expect("multipart boundary");
        let delimiter = format!("--{boundary}");
        body.split(delimiter.as_str())
            .skip(1)
            .filter(|part| !part.starts_with("--"))
            .find_map(|part| {
                let part = part.trim_start_matches(['\r', '\n']);
                let (headers, body) = split_entity(part);
                let ct = header(&headers, "content-type")?.to_ascii_lowercase();
                ct.starts_with(mime).then(|| {
                    let body = body.trim_end_matches(['\r', '\n']);
                    decode_body(&headers, body)
                })
            })
    }

    pub fn text(&self) -> String {
        self.part("text/plain").expect("a text/plain part")
    }

    pub fn html(&self) -> String {
        self.part("text/html").expect("a text/html part")
    }

    /// The six-digit code in the text body.
    pub fn code(&self) -> String {
        let text = self.text();
        let digits: Vec<char> = text.chars().collect();
        digits
            .windows(6)
            .enumerate()
            .find(|(i, w)| {
                w.iter().all(char::is_ascii_digit)
                    && (*i == 0 || !digits[i - 1].is_ascii_digit())
                    && digits.get(i + 6).is_none_or(|c| !c.is_ascii_digit())
            })
            .map(|(_, w)| w.iter().collect())
            .unwrap_or_else(|| panic!("no 6-digit code in {text:?}"))
    }
}
