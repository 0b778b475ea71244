//! Contact persons of organisations (HSDS `contact`), with who may see their details.

use crate::ValidationError;
use crate::code_enum;
use crate::email::EmailAddress;
use crate::error::{Checker, required_text};
use crate::language::LanguageCode;
use crate::organisation::{NAME_MAX, content_language, opt, opt_with};

code_enum!(
    /// Who may see a contact person's e-mail address and phone number.
    Visibility {
        /// Everyone, including the public API.
        Public = "public",
        /// Signed-in members of the network (editors and the coordinator).
        Members = "members",
        /// Only the organisation's own editors and the coordinator.
        Internal = "internal",
    }
);

/// A contact person.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// Full name.
    pub name: String,
    /// Role or title, in `content_language`.
    pub role: Option<String>,
    /// E-mail address.
    pub email: Option<EmailAddress>,
    /// Phone number.
    pub phone: Option<String>,
    /// Who may see `email` and `phone`.
    pub visibility: Visibility,
    /// Language of `role`.
    pub content_language: LanguageCode,
}

/// Unvalidated input for a contact person.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    /// See [`Contact::name`].
    pub name: String,
    /// See [`Contact::role`].
    pub role: Option<String>,
    /// See [`Contact::email`].
    pub email: Option<String>,
    /// See [`Contact::phone`].
    pub phone: Option<String>,
    /// See [`Contact::visibility`]; `members` when not given.
    pub visibility: Option<Visibility>,
    /// See [`Contact::content_language`].
    pub content_language: Option<String>,
}

impl ContactInput {
    /// Checks every field and reports every violation at once.
    pub fn validate(&self) -> Result<Contact, ValidationError> {
        let mut c = Checker::new();
        let name = c.take("name", required_text(&self.name, NAME_MAX));
        let role = opt(&mut c, "role", self.role.as_ref(), NAME_MAX);
        let email = opt_with(&mut c, "email", self.email.as_ref(), EmailAddress::parse);
        let phone = opt_with(&mut c, "phone", self.phone.as_ref(), crate::error::phone);
        let content_language = content_language(&mut c, self.content_language.as_ref());
        c.finish(|| ())?;
        let Some(name) = name else {
            return Err(ValidationError::new(
                "name",
                "required",
                "must not be empty",
            ));
        };
        Ok(Contact {
            name,
            role,
            email,
            phone,
            visibility: self.visibility.unwrap_or(Visibility::Members),
            content_language,
        })
    }
}

impl ContactInput {
    /// The stored value as unvalidated input: the base an update changes (validating it
    /// gives the value back).
    pub fn of(c: &Contact) -> Self {
        Self {
            name: c.name.clone(),
            role: c.role.clone(),
            email: c.email.as_ref().map(ToString::to_string),
            phone: c.phone.clone(),
            visibility: Some(c.visibility),
            content_language: Some(c.content_language.to_string()),
        }
    }
}
