//! `#[ignite::main]` for the emulator's stand-in SDK. It keeps the handler as written (so its own type
//! errors are reported on the user's lines) and adds a `fn main` that checks the handler's signature, so
//! a bin crate checks too. Works on `proc_macro::TokenStream` directly: no syn, no quote.

use proc_macro::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};

fn error(message: &str, span: Span) -> TokenStream {
    let text = format!("::core::compile_error!({:?});", message);
    let parsed: TokenStream = text.parse().expect("a compile_error! call");
    parsed
        .into_iter()
        .map(|mut t| {
            t.set_span(span);
            t
        })
        .collect()
}

/// The name of the function after `fn`, and whether `async` came before it.
fn handler_name(item: &TokenStream) -> Option<(Ident, bool)> {
    let mut is_async = false;
    let mut tokens = item.clone().into_iter();
    while let Some(t) = tokens.next() {
        if let TokenTree::Ident(i) = &t {
            match i.to_string().as_str() {
                "async" => is_async = true,
                "fn" => {
                    if let Some(TokenTree::Ident(name)) = tokens.next() {
                        return Some((name, is_async));
                    }
                    return None;
                }
                _ => {}
            }
        }
    }
    None
}

#[proc_macro_attribute]
pub fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    if let Some(t) = attr.into_iter().next() {
        return error("#[ignite::main] takes no arguments", t.span());
    }
    let Some((name, is_async)) = handler_name(&item) else {
        return error(
            "#[ignite::main] goes on `async fn handler(req: Request, ctx: Context) -> impl IntoResponse`",
            Span::call_site(),
        );
    };
    if !is_async {
        let mut out = item.clone();
        out.extend(error("the Ignite handler must be an `async fn`", name.span()));
        return out;
    }
    if name.to_string() == "main" {
        return error("name the Ignite handler something other than `main`, e.g. `handler`", name.span());
    }
    // #[allow(dead_code)] fn main() { ::ignite::__private::check_handler(<name>); }
    let call: TokenStream = "::ignite::__private::check_handler".parse().expect("a path");
    let mut body = call;
    body.extend([
        TokenTree::Group(Group::new(Delimiter::Parenthesis, TokenTree::Ident(name).into())),
        TokenTree::Punct(Punct::new(';', Spacing::Alone)),
    ]);
    let head: TokenStream = "#[allow(dead_code)] fn main()".parse().expect("a fn header");
    let mut out = item;
    out.extend(head);
    out.extend([TokenTree::Group(Group::new(Delimiter::Brace, body))]);
    out
}
