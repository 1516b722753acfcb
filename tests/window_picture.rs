//! The picture's painted meshes under Bevy's mesh allocator: they share their buffers with a mesh that never changes, so a frame does not rebuild the allocator's slabs.
#![cfg(feature = "gui")]

mod window;

use bevy::mesh::{Indices, Mesh, MeshVertexAttributeId};
use bevy::prelude::*;
use loadlab::app::world::{SlabAnchor, WorldEntity};
use window::Window;

/// What the allocator keys a slab on: the vertex attributes and the index type.
fn layout(mesh: &Mesh) -> (Vec<MeshVertexAttributeId>, bool) {
    let ids = mesh.attributes().map(|(a, _)| a.id).collect();
    (ids, matches!(mesh.indices(), Some(Indices::U32(_))))
}

fn painted(w: &mut Window) -> Vec<AssetId<Mesh>> {
    let world = w.app.world_mut();
    world
        .query_filtered::<&Mesh2d, With<WorldEntity>>()
        .iter(world)
        .map(|m| m.0.id())
        .collect()
}

#[test]
fn the_painted_meshes_share_their_slabs_with_a_mesh_that_never_changes() {
    let mut w = Window::open(&[], None);
    let anchor = w.app.world().resource::<SlabAnchor>().0.id();
    let first = painted(&mut w);
    assert_eq!(first.len(), 2, "the shapes and the dots");
    {
        let meshes = w.app.world().resource::<Assets<Mesh>>();
        let kept = layout(meshes.get(anchor).expect("the anchor is an asset"));
        for id in &first {
            let mesh = meshes.get(*id).expect("a painted mesh");
            assert_eq!(layout(mesh), kept, "same slab as the anchor");
        }
    }
    // A restart despawns the picture and paints it into new meshes; the
    // anchor stays, unchanged, drawn by no entity.
    let restart = w.widget("Restart");
    w.click(restart);
    w.frames(5);
    let again = painted(&mut w);
    assert!(again.iter().all(|id| !first.contains(id)), "new meshes");
    assert!(!again.contains(&anchor));
    assert_eq!(w.app.world().resource::<SlabAnchor>().0.id(), anchor);
    let meshes = w.app.world().resource::<Assets<Mesh>>();
    assert_eq!(
        layout(meshes.get(anchor).expect("still an asset")),
        layout(meshes.get(again[0]).expect("painted"))
    );
}
