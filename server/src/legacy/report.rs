#[derive(Default, serde::Serialize)]
pub struct Report {}
impl Report {
    pub fn to_text(&self) -> String {
        String::new()
    }
    pub fn reconciles(&self) -> bool {
        true
    }
}
