//! A demo cloud with waits cut to milliseconds, and a signed-in session on it.

use std::sync::Arc;

use keyless_azure::{
    HttpConfig,
    auth::{DeviceCodeInstructions, MemoryStore, SignInCancel},
};
use keyless_usecases::{
    Cloud, Connected, DemoCloud, DemoSettings, Method, SignInEnvironment, SignInPrompts, SignInRequest, UseCaseError,
    connect,
};

pub fn fast_demo() -> DemoSettings {
    DemoSettings::fast_for_tests()
}

/// Remembers the device codes it was shown.
#[derive(Default)]
pub struct SeenPrompts {
    pub codes: std::sync::Mutex<Vec<String>>,
}

impl SignInPrompts for SeenPrompts {
    fn device_code(&self, instructions: &DeviceCodeInstructions) {
        self.codes.lock().unwrap().push(instructions.user_code.clone());
    }
}

pub async fn sign_in_to(cloud: &Cloud, method: Method) -> Result<Connected, UseCaseError> {
    let cancel = SignInCancel::new();
    let environment = SignInEnvironment {
        cloud,
        http: HttpConfig::fast_for_tests(),
        keyring: Arc::new(MemoryStore::default()),
        cancel: &cancel,
    };
    let request = SignInRequest { method, tenant: None, client_id: None, remember: false };
    connect::sign_in(environment, request, &SeenPrompts::default()).await
}

pub struct SignedIn {
    pub demo: DemoCloud,
    pub connected: Connected,
}

pub async fn signed_in() -> SignedIn {
    let demo = DemoCloud::start(&fast_demo()).await.unwrap();
    let connected = sign_in_to(&Cloud::demo(demo.profile()), Method::Browser).await.unwrap();
    SignedIn { demo, connected }
}
