//! The one error type of the API edge and the stable uni-id error codes inside it.
//!
//! Every variant of [`ErrorCode`] is a uni-id error code (spec §2) and, at the same time, the
//! Fluent message id of its text in `locales/`. [`ApiError`] is what a method returns; the
//! dispatcher is the only place that turns it into the JSON envelope. The detail that goes to
//! the log (`ApiError::detail`) is never shown to the caller.

use std::borrow::Cow;
use std::fmt;

macro_rules! error_codes {
    ($( $(#[$meta:meta])* $variant:ident = $code:literal $(, numeric = $num:literal)? ; )*) => {
        /// A uni-id error code. `as_str` is the wire value and the Fluent message id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[$meta])* $variant, )*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $( ErrorCode::$variant => $code, )*
                }
            }

            /// The numeric `code` uni-id-common and uni-captcha attach to some errors.
            pub fn numeric(self) -> Option<i64> {
                match self {
                    $( $( ErrorCode::$variant => Some($num), )? )*
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }

            pub fn from_code(code: &str) -> Option<ErrorCode> {
                match code {
                    $( $code => Some(ErrorCode::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    // uni-id-common token errors (spec §2.2): returned with their numeric `code`.
    TokenExpired = "uni-id-token-expired", numeric = 30203;
    CheckTokenFailed = "uni-id-check-token-failed", numeric = 30202;
    // uni-id-co (spec §2.1)
    AccountExists = "uni-id-account-exists";
    AccountNotExists = "uni-id-account-not-exists";
    AccountNotExistsInCurrentApp = "uni-id-account-not-exists-in-current-app";
    AccountConflict = "uni-id-account-conflict";
    AccountBanned = "uni-id-account-banned";
    AccountAuditing = "uni-id-account-auditing";
    AccountAuditFailed = "uni-id-account-audit-failed";
    AccountClosed = "uni-id-account-closed";
    CaptchaRequired = "uni-id-captcha-required";
    PasswordError = "uni-id-password-error";
    PasswordErrorExceedLimit = "uni-id-password-error-exceed-limit";
    InvalidUsername = "uni-id-invalid-username";
    InvalidPassword = "uni-id-invalid-password";
    InvalidPasswordSuper = "uni-id-invalid-password-super";
    InvalidPasswordStrong = "uni-id-invalid-password-strong";
    InvalidPasswordMedium = "uni-id-invalid-password-medium";
    InvalidPasswordWeak = "uni-id-invalid-password-weak";
    InvalidMobile = "uni-id-invalid-mobile";
    InvalidEmail = "uni-id-invalid-email";
    InvalidNickname = "uni-id-invalid-nickname";
    InvalidParam = "uni-id-invalid-param";
    ParamRequired = "uni-id-param-required";
    GetThirdPartyAccountFailed = "uni-id-get-third-party-account-failed";
    GetThirdPartyUserInfoFailed = "uni-id-get-third-party-user-info-failed";
    MobileVerifyCodeError = "uni-id-mobile-verify-code-error";
    EmailVerifyCodeError = "uni-id-email-verify-code-error";
    AdminExists = "uni-id-admin-exists";
    PermissionError = "uni-id-permission-error";
    SystemError = "uni-id-system-error";
    SetInviteCodeFailed = "uni-id-set-invite-code-failed";
    InvalidInviteCode = "uni-id-invalid-invite-code";
    ChangeInviterForbidden = "uni-id-change-inviter-forbidden";
    BindConflict = "uni-id-bind-conflict";
    UnbindFailed = "uni-id-unbind-failed";
    UnbindNotSupported = "uni-id-unbind-not-supported";
    UnbindMobileNotExists = "uni-id-unbind-mobile-not-exists";
    UnbindPasswordNotExists = "uni-id-unbind-password-not-exists";
    UnsupportedRequest = "uni-id-unsupported-request";
    IllegalRequest = "uni-id-illegal-request";
    FrvFail = "uni-id-frv-fail";
    FrvProcessing = "uni-id-frv-processing";
    RealnameVerified = "uni-id-realname-verified";
    IdcardExists = "uni-id-idcard-exists";
    InvalidIdcard = "uni-id-invalid-idcard";
    InvalidRealname = "uni-id-invalid-realname";
    UnknownError = "uni-id-unknown-error";
    RealnameVerifyUpperLimit = "uni-id-realname-verify-upper-limit";
    ConfigFieldRequired = "uni-id-config-field-required";
    ConfigFieldInvalid = "uni-id-config-field-invalid";
    // SMS / e-mail test mode answers (returned, not thrown; spec §1.3).
    InvalidSmsTemplateId = "uni-id-invalid-sms-template-id";
    InvalidMailTemplate = "uni-id-invalid-mail-template";
    // unid: a verification-code send cap was reached (uni-id has no caps, hence no code).
    CodeSendLimit = "unid-code-send-limit";
    // unid: the SMS / mail provider failed to take the message.
    CodeSendFailed = "unid-code-send-failed";
    // unid: too much anonymous work from one IP (captchas, registrations).
    RateLimited = "unid-rate-limited";
    // uni-captcha (spec §2.3): returned with their numeric `code`.
    CaptchaCreateFail = "uni-captcha-create-fail", numeric = 10001;
    CaptchaRefreshFail = "uni-captcha-refresh-fail", numeric = 10003;
    CaptchaDeviceIdRequired = "uni-captcha-deviceId-required", numeric = 10101;
    CaptchaTextRequired = "uni-captcha-text-required", numeric = 10102;
    CaptchaVerifyOverdue = "uni-captcha-verify-overdue", numeric = 10103;
    CaptchaVerifyFail = "uni-captcha-verify-fail", numeric = 10104;
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a uni-id-co method fails with.
///
/// `message` is the Fluent id of the text (by default the code itself); `args` fill its
/// placeholders; `detail` is for the log only.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: Cow<'static, str>,
    pub args: Vec<(&'static str, String)>,
    pub detail: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        ApiError {
            code,
            message: Cow::Borrowed(code.as_str()),
            args: Vec::new(),
            detail: None,
        }
    }

    /// `uni-id-param-required` naming the missing parameter.
    pub fn param_required(param: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::ParamRequired).arg("param", param)
    }

    /// An internal failure: the caller sees `uni-id-system-error`, the log sees `detail`.
    pub fn system(detail: impl fmt::Display) -> Self {
        ApiError::new(ErrorCode::SystemError).detail(detail)
    }

    /// Use another Fluent message for the text while keeping the code.
    pub fn message(mut self, id: &'static str) -> Self {
        self.message = Cow::Borrowed(id);
        self
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    pub fn detail(mut self, detail: impl fmt::Display) -> Self {
        self.detail = Some(detail.to_string());
        self
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError::new(code)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        ApiError::system(format_args!("database: {e}"))
    }
}

impl From<crate::db::PoolError> for ApiError {
    fn from(e: crate::db::PoolError) -> Self {
        ApiError::system(format_args!("database pool: {e}"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
