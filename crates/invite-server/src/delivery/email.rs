//! The invitation email: multipart text and HTML, naming the inviting officer and the reason,
//! with the link the invitee follows.

use invite_core::InvitationFields;
use invite_core::api::UserType;
use serde::Serialize;

/// An email ready to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutgoingEmail {
    pub to: String,
    /// Where replies go: the inviting officer.
    pub reply_to: String,
    /// Names this email for good: the delivery job's id, so that a second attempt of one job
    /// is recognisably the same email (`Message-ID` over SMTP).
    pub message_id: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Every link in the email, in order (the dev mailbox shows them to follow).
    pub links: Vec<String>,
}

/// The email inviting `invitee`, sent on behalf of `officer_email` by the job `message_id`;
/// `link` is where the invitee signs up.
pub fn invitation(
    invitee: &InvitationFields,
    officer_email: &str,
    link: &str,
    message_id: &str,
) -> OutgoingEmail {
    let greeting = match &invitee.first_name {
        Some(name) => format!("Hello {name},"),
        None => "Hello,".to_owned(),
    };
    let what = match (invitee.user_type, &invitee.techpass_username) {
        (UserType::Vendor, Some(username)) => format!(
            "{officer_email} has invited you to TechPass, the Singapore Government's developer \
             identity platform, and asked for an account with the username \"{username}\"."
        ),
        _ => format!(
            "{officer_email} has invited you to TechPass, the Singapore Government's developer \
             identity platform."
        ),
    };
    let reason = format!("Why: {}", invitee.reason);
    let ignore = "If you did not expect this invitation, you can ignore this email.";
    let text = format!("{greeting}\n\n{what}\n\n{reason}\n\nSign up: {link}\n\n{ignore}\n");
    let paragraph = |text: &str| format!("<p>{}</p>", escape(text).replace('\n', "<br>"));
    let html = [
        paragraph(&greeting),
        paragraph(&what),
        paragraph(&reason),
        format!(
            "<p><a href=\"{0}\">Sign up to TechPass</a></p>",
            escape(link)
        ),
        paragraph(ignore),
    ]
    .concat();
    OutgoingEmail {
        to: invitee.email.clone(),
        reply_to: officer_email.to_owned(),
        message_id: message_id.to_owned(),
        subject: "You are invited to TechPass".to_owned(),
        text,
        html: format!("<!DOCTYPE html><html><body>{html}</body></html>"),
        links: vec![link.to_owned()],
    }
}

/// Text as HTML: what an officer typed (a reason, a name) can never become markup.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vendor() -> InvitationFields {
        InvitationFields {
            user_type: UserType::Vendor,
            email: "ah.kow@acme.com.sg".into(),
            first_name: Some("Ah Kow".into()),
            last_name: Some("Tan".into()),
            contact_number: Some("+6591234567".into()),
            organisation: Some("ACME".into()),
            department: None,
            techpass_username: Some("Tan Ah Kow".into()),
            seed_required: false,
            reason: "Builds <b>the</b> booking system\nand its API".into(),
        }
    }

    #[test]
    fn the_email_names_the_officer_the_reason_and_the_link_in_both_parts() {
        let email = invitation(
            &vendor(),
            "jane_tan@tech.gov.sg",
            "https://techpass.example/signup",
            "job-1",
        );
        assert_eq!(email.to, "ah.kow@acme.com.sg");
        assert_eq!(email.reply_to, "jane_tan@tech.gov.sg");
        for part in [&email.text, &email.html] {
            assert!(part.contains("jane_tan@tech.gov.sg"), "{part}");
            assert!(part.contains("Tan Ah Kow"), "{part}");
            assert!(part.contains("https://techpass.example/signup"), "{part}");
            assert!(part.contains("Hello Ah Kow,"), "{part}");
        }
        assert!(
            email
                .text
                .contains("Why: Builds <b>the</b> booking system\nand its API")
        );
        assert_eq!(email.links, ["https://techpass.example/signup"]);
    }

    #[test]
    fn typed_text_never_becomes_markup() {
        let email = invitation(
            &vendor(),
            "jane_tan@tech.gov.sg",
            "https://x.example/?a=1&b=\"2\"",
            "job-1",
        );
        assert!(
            email
                .html
                .contains("Builds &lt;b&gt;the&lt;/b&gt; booking system<br>and its API")
        );
        assert!(!email.html.contains("<b>the</b>"));
        assert!(
            email
                .html
                .contains("href=\"https://x.example/?a=1&amp;b=&quot;2&quot;\"")
        );
    }
}
