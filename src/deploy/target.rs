//! Where a deploy goes: the target URL (`s3://BUCKET/PREFIX`) and the
//! connection settings read from the environment variables every S3 tool
//! reads. Nothing here is ever shown with the secret in it: [`Connection`]'s
//! `Debug` prints the key id's first characters and no secret.

use std::fmt;

/// A parsed `s3://BUCKET/PREFIX` target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub bucket: String,
    /// The folder inside the bucket, without leading or trailing `/`
    /// (empty: the bucket's root).
    pub prefix: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}/", self.bucket)
        } else {
            write!(f, "s3://{}/{}/", self.bucket, self.prefix)
        }
    }
}

/// Read `s3://BUCKET/PREFIX`. The error is a Chinese sentence saying what
/// is wrong and how a good target looks.
pub fn parse(text: &str) -> Result<Target, String> {
    const EXAMPLE: &str = "应写成 s3://存储桶名/目录，例如 s3://zhiliang-biaogan/site";
    let Some(rest) = text.strip_prefix("s3://") else {
        return Err(format!(
            "发布目标 “{}” 不是 s3:// 地址（阿里云 OSS、腾讯云 COS、华为云 OBS 都用 S3 兼容接口）；{EXAMPLE}",
            shown(text)
        ));
    };
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if !is_bucket_name(bucket) {
        return Err(format!(
            "发布目标 “{}” 的存储桶名 “{}” 不合规：存储桶名是 3 到 63 个小写英文字母、数字、点或连字符，以字母或数字开头和结尾；{EXAMPLE}",
            shown(text),
            shown(bucket)
        ));
    }
    let prefix = prefix.trim_end_matches('/');
    for segment in prefix.split('/').filter(|_| !prefix.is_empty()) {
        if !is_prefix_segment(segment) {
            return Err(format!(
                "发布目标 “{}” 的目录部分 “{}” 不可用：每一级只能用英文字母、数字和 - _ .，不能是空的、“.” 或 “..”；{EXAMPLE}",
                shown(text),
                shown(segment)
            ));
        }
    }
    Ok(Target {
        bucket: bucket.to_string(),
        prefix: prefix.to_string(),
    })
}

/// Text from the command line or config as shown in a message: control
/// characters escaped, at most 200 characters.
fn shown(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(200)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// S3's bucket naming rules (OSS, COS and OBS use a subset of them).
fn is_bucket_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'.')
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && !name.contains("..")
}

fn is_prefix_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "."
        && segment != ".."
        && segment.len() <= 200
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The endpoint, region and credentials, from the environment.
#[derive(Clone)]
pub struct Connection {
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `AWS_SESSION_TOKEN`, for temporary credentials (STS).
    pub session_token: Option<String>,
    /// Virtual-hosted addressing (`BUCKET.endpoint`), which Aliyun OSS
    /// requires; path style (`endpoint/BUCKET`) otherwise.
    pub virtual_host: bool,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id: String = self.access_key_id.chars().take(4).collect();
        f.debug_struct("Connection")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &format!("{id}…"))
            .field("virtual_host", &self.virtual_host)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// `text` with the secret, the session token and the key id replaced:
    /// every message from the store passes through here before it is shown.
    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        let secrets = [
            Some(&self.secret_access_key),
            self.session_token.as_ref(),
            Some(&self.access_key_id),
        ];
        for secret in secrets.into_iter().flatten().filter(|s| s.len() >= 4) {
            text = text.replace(secret.as_str(), "***");
        }
        text
    }
}

/// The environment variables a deploy reads.
pub const ENDPOINT: &str = "AWS_ENDPOINT_URL";
pub const REGION: &str = "AWS_REGION";
pub const KEY_ID: &str = "AWS_ACCESS_KEY_ID";
pub const SECRET: &str = "AWS_SECRET_ACCESS_KEY";
pub const SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";

/// The connection from `env` (a lookup, so tests need not touch the
/// process's environment). Every missing variable is named at once.
pub fn connection(
    env: impl Fn(&str) -> Option<String>,
    virtual_host: bool,
) -> Result<Connection, String> {
    let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let missing: Vec<&str> = [ENDPOINT, REGION, KEY_ID, SECRET]
        .into_iter()
        .filter(|name| get(name).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "发布需要环境变量 {}（未设置）。{ENDPOINT} 是存储服务的地址（例如阿里云 OSS 杭州 https://oss-cn-hangzhou.aliyuncs.com，腾讯云 COS 上海 https://cos.ap-shanghai.myqcloud.com），{REGION} 是地域（例如 oss-cn-hangzhou、ap-shanghai），{KEY_ID} 和 {SECRET} 是有写入权限的访问密钥；密钥只放在环境变量里，不要写进 casebook.toml",
            missing.join("、")
        ));
    }
    let endpoint = get(ENDPOINT).unwrap_or_default();
    let endpoint = endpoint.trim().trim_end_matches('/').to_string();
    if !(endpoint.starts_with("https://") || endpoint.starts_with("http://"))
        || endpoint
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "环境变量 {ENDPOINT} 的值 “{}” 不是 http:// 或 https:// 开头的地址，例如 https://oss-cn-hangzhou.aliyuncs.com",
            shown(&endpoint)
        ));
    }
    let authority = endpoint.split("://").nth(1).unwrap_or_default();
    if authority
        .split('/')
        .next()
        .unwrap_or_default()
        .contains('@')
    {
        // Shown nowhere: what precedes the `@` is a user name and password.
        return Err(format!(
            "环境变量 {ENDPOINT} 的地址里含有用户名或密码（“@” 之前的部分），不接受：地址只写 https://主机名，密钥放在 {KEY_ID} 和 {SECRET} 里"
        ));
    }
    Ok(Connection {
        endpoint,
        region: get(REGION).unwrap_or_default().trim().to_string(),
        access_key_id: get(KEY_ID).unwrap_or_default(),
        secret_access_key: get(SECRET).unwrap_or_default(),
        session_token: get(SESSION_TOKEN),
        virtual_host,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_s3_urls_with_a_valid_bucket_and_plain_prefix() {
        let t = parse("s3://zhiliang-biaogan/site/2024/").unwrap();
        assert_eq!(
            (t.bucket.as_str(), t.prefix.as_str()),
            ("zhiliang-biaogan", "site/2024")
        );
        assert_eq!(t.to_string(), "s3://zhiliang-biaogan/site/2024/");
        assert_eq!(parse("s3://site").unwrap().prefix, "");
        for bad in [
            "oss://site/x",
            "file:///etc",
            "s3://../x",
            "s3://site/../x",
            "s3://site/a/./b",
            "s3://site//x",
            "s3://Site/x",
            "s3://ab",
            "s3://site/a b",
            "s3://site/a\\b",
            "s3://site/%2e%2e",
            "s3://site/x\n",
            "",
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains("s3://"), "{bad}: {err}");
        }
    }

    #[test]
    fn an_endpoint_with_a_user_and_password_is_refused_without_showing_them() {
        for endpoint in [
            "https://AKID:hunter2secret@oss-cn-shanghai.aliyuncs.com",
            "http://hunter2secret@127.0.0.1:9000/",
        ] {
            let env = |name: &str| {
                Some(match name {
                    ENDPOINT => endpoint.to_string(),
                    _ => "value".to_string(),
                })
            };
            let err = connection(env, false).unwrap_err();
            assert!(err.contains(ENDPOINT) && err.contains('@'), "{err}");
            assert!(!err.contains("hunter2secret"), "{err}");
        }
        // An `@` in the path is not a user name.
        let env = |name: &str| {
            Some(match name {
                ENDPOINT => "http://127.0.0.1:9000/a@b".to_string(),
                _ => "value".to_string(),
            })
        };
        assert!(connection(env, false).is_ok());
    }

    #[test]
    fn missing_variables_are_named_together_and_secrets_are_never_shown() {
        let err = connection(|_| None, false).unwrap_err();
        for name in [ENDPOINT, REGION, KEY_ID, SECRET] {
            assert!(err.contains(name), "{err}");
        }
        let env = |name: &str| {
            Some(match name {
                ENDPOINT => "http://127.0.0.1:9000/".to_string(),
                SECRET => "very-secret-value".to_string(),
                REGION => "oss-cn-shanghai".to_string(),
                _ => "AKIDEXAMPLE".to_string(),
            })
        };
        let conn = connection(env, false).unwrap();
        assert_eq!(conn.endpoint, "http://127.0.0.1:9000");
        let debug = format!("{conn:?}");
        assert!(
            !debug.contains("very-secret") && !debug.contains("AKIDEXAMPLE"),
            "{debug}"
        );
        let bad = |name: &str| {
            (name == ENDPOINT)
                .then(|| "ftp://x".to_string())
                .or(env(name))
        };
        assert!(connection(bad, false).unwrap_err().contains(ENDPOINT));
    }
}
