//! Development gateway: writes the message, code included, to the server log instead of
//! sending it. The plugin refuses it when `[server] production = true`.

use super::{SendFuture, SmsGateway, SmsMessage};

pub struct LogSms;

impl SmsGateway for LogSms {
    fn send<'a>(&'a self, msg: &'a SmsMessage, _now_secs: i64) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::warn!(
                phone = %unid_core::plugin::accounts::phone::masked(&msg.phone),
                template = %msg.template_id,
                params = ?msg.params,
                "development SMS gateway: message not sent"
            );
            Ok(())
        })
    }
}
